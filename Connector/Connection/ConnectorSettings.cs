using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Security;

namespace Tunnel.Connector.Connection;

/// <summary>Everything a running connector needs, resolved from flags, environment and config file. Ingress is null when the control plane provides it.</summary>
public sealed record ConnectorSettings(
    TunnelToken Token,
    Uri EdgeUrl,
    string? EdgeCaPath,
    IngressRuleSet? Ingress,
    int HaConnections,
    string ConnectorId,
    int DataStreamPool = 4,
    TimeSpan? Grace = null)
{
    /// <summary>How long a stopping connector lets streams in flight finish.</summary>
    public TimeSpan GracePeriod => Grace ?? TimeSpan.FromSeconds(30);

    public static readonly string Version = typeof(ConnectorSettings).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
