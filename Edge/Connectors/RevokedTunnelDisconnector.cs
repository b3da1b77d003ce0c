using Tunnel.Edge.Config;

namespace Tunnel.Edge.Connectors;

/// <summary>When a tunnel is deleted or its secret rotated, drops the connections that authenticated with the old secret.</summary>
public sealed class RevokedTunnelDisconnector(ConfigStore config, ConnectorRegistry registry, ILogger<RevokedTunnelDisconnector> logger)
    : ConfigChangeHandler(config)
{
    protected override void OnConfigChanged()
    {
        foreach (var connection in registry.All.Concat(registry.Draining)) // a draining one's streams in flight end too
        {
            var tunnel = Config.FindTunnel(connection.TunnelId);
            if (tunnel is null || !tunnel.SecretHash.Span.SequenceEqual(connection.SecretHash))
            {
                logger.LogInformation("Dropping connection {Index} of connector {ConnectorId}: its tunnel was deleted or its secret rotated",
                    connection.Index, connection.ConnectorId);
                connection.Revoke();
            }
        }
    }
}
