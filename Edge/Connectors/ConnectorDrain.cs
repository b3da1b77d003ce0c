namespace Tunnel.Edge.Connectors;

/// <summary>On shutdown, tells every connector connection to move (Drain) and then closes it, so the edge stops promptly.</summary>
public sealed class ConnectorDrain(ConnectorRegistry registry, ILogger<ConnectorDrain> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var connections = registry.All.ToList();
        if (connections.Count == 0)
        {
            return;
        }

        logger.LogInformation("Edge stopping: asking {Count} connector connections to move", connections.Count);
        await Task.WhenAll(connections.Select(c => c.SendAsync(new Shared.Protocol.EdgeMessage { Drain = new() })))
            .WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var connection in connections)
        {
            connection.Close();
        }
    }
}
