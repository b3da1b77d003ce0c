using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Connectors;

/// <summary>
/// The ingress rules a connection serves: a version of the control plane's rules (their JSON) or the connector's
/// own (<see cref="Tunnel.Shared.Ingress.IngressVersion.Local"/>, the rules it registered with).
/// </summary>
public sealed record ServedIngress(string Version, string RemoteJson, IReadOnlyList<IngressRule> LocalRules)
{
    public bool IsRemote => RemoteJson.Length > 0;
}
