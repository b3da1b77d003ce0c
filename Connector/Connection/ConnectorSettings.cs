using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Security;

namespace Tunnel.Connector.Connection;

/// <summary>
/// Everything a running connector needs, resolved from flags, environment and config file. Ingress is null when the
/// control plane provides it. <see cref="EdgeUrl"/> is the first edge dialed; with <see cref="PinnedEdges"/> (edges
/// given with --edge) only those are used, else the edges the cluster tells of at registration.
/// </summary>
public sealed record ConnectorSettings(
    TunnelToken Token,
    Uri EdgeUrl,
    string? EdgeCaPath,
    IngressRuleSet? Ingress,
    int HaConnections,
    string ConnectorId,
    int DataStreamPool = 4,
    TimeSpan? Grace = null,
    IReadOnlyList<Uri>? PinnedEdges = null)
{
    /// <summary>How long a stopping connector lets streams in flight finish.</summary>
    public TimeSpan GracePeriod => Grace ?? TimeSpan.FromSeconds(30);

    public static readonly string Version = typeof(ConnectorSettings).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
