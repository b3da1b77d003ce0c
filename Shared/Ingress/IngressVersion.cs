using System.Security.Cryptography;
using System.Text;

namespace Tunnel.Shared.Ingress;

/// <summary>
/// Names a version of a tunnel's remotely-managed ingress rules by its content, so the control plane, the edges and
/// the connectors agree on "which rules" without a counter to keep in step: the same JSON is the same version.
/// </summary>
public static class IngressVersion
{
    /// <summary>The connector serves its own rules (--url or config.yml).</summary>
    public const string Local = "local";

    public static string Of(string? ingressJson) =>
        string.IsNullOrEmpty(ingressJson) ? Local : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ingressJson)))[..12];
}
