using Tunnel.Edge.Config;

namespace Tunnel.Edge.Connectors;

/// <summary>When the control plane changes a tunnel's ingress rules, tells each of the tunnel's connections on this edge.</summary>
public sealed class RemoteIngressPublisher(ConfigStore config, ConnectorRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        config.Changed += Publish;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        config.Changed -= Publish;
        return Task.CompletedTask;
    }

    private void Publish()
    {
        foreach (var connection in registry.All)
        {
            if (config.FindTunnel(connection.TunnelId) is { } tunnel)
            {
                _ = connection.UpdateIngressAsync(tunnel.IngressJson);
            }
        }
    }
}
