namespace Tunnel.Edge.Connectors;

/// <summary>
/// When the edge starts stopping, tells every connector connection to move (Drain) and closes it. This runs on
/// ApplicationStopping, before Kestrel waits for open requests, of which the long-lived Control streams are some.
/// </summary>
public sealed class ConnectorDrain(ConnectorRegistry registry, IHostApplicationLifetime lifetime, ILogger<ConnectorDrain> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(Drain);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Drain()
    {
        var connections = registry.All.ToList();
        if (connections.Count == 0)
        {
            return;
        }

        logger.LogInformation("Edge stopping: asking {Count} connector connections to move", connections.Count);
        var drains = Task.WhenAll(connections.Select(c => c.SendAsync(new Shared.Protocol.EdgeMessage { Drain = new() })));
        drains.Wait(TimeSpan.FromSeconds(2));
        foreach (var connection in connections)
        {
            connection.Close();
        }
    }
}
