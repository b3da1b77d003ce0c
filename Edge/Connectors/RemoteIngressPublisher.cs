using Tunnel.Edge.Config;

namespace Tunnel.Edge.Connectors;

/// <summary>When the control plane changes a tunnel's ingress rules, tells each of the tunnel's connections on this edge.</summary>
public sealed class RemoteIngressPublisher(ConfigStore config, ConnectorRegistry registry) : ConfigChangeHandler(config)
{
    protected override void OnConfigChanged()
    {
        foreach (var connection in registry.All)
        {
            if (Config.FindTunnel(connection.TunnelId) is { } tunnel)
            {
                _ = connection.UpdateIngressAsync(tunnel.IngressJson);
            }
        }
    }
}
