using Tunnel.Connector.Connection;
using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;

namespace Tunnel.Connector.Supervisor;

/// <summary>Keeps the HA connections to the edge up, each reconnecting on its own with backoff; stops all on a refused token.</summary>
public sealed class TunnelSupervisor(ConnectorSettings settings, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("tunnel.supervisor");
    private readonly OriginDialer _dialer = new();
    private readonly ActiveIngress _ingress = new(settings.Ingress, loggers.CreateLogger("tunnel.ingress"));

    /// <summary>Runs until cancelled (exit 0) or the edge refuses the token (exit 1).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        TokenRefusedException? refused = null;
        var connections = Enumerable.Range(0, settings.HaConnections).Select(async index =>
        {
            try
            {
                await KeepConnectedAsync(index, stop.Token);
            }
            catch (TokenRefusedException ex)
            {
                refused ??= ex;
                await stop.CancelAsync();
            }
        });

        _logger.LogInformation("Starting tunnel {TunnelId}: connector {ConnectorId} (version {Version}), {Count} connections to {EdgeUrl}",
            settings.Token.TunnelId, settings.ConnectorId, ConnectorSettings.Version, settings.HaConnections, settings.EdgeUrl);
        await Task.WhenAll(connections);
        if (refused is not null)
        {
            _logger.LogError("{Reason}", refused.Message);
            return 1;
        }

        _logger.LogInformation("Connector stopped");
        return 0;
    }

    private async Task KeepConnectedAsync(int index, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("tunnel.connection");
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
        while (!cancellationToken.IsCancellationRequested)
        {
            string reason;
            try
            {
                await new EdgeConnection(settings, _ingress, index, _dialer, logger).RunAsync(backoff.Reset, cancellationToken);
                reason = "the edge asked it to move";
            }
            catch (TokenRefusedException)
            {
                throw;
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                reason = ex is Grpc.Core.RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
            }

            var delay = backoff.Next();
            logger.LogWarning("Connection {Index} to {EdgeUrl} is down ({Reason}); reconnecting in {Delay:0.0} s", index, settings.EdgeUrl, reason, delay.TotalSeconds);
            Telemetry.ConnectorTelemetry.Reconnected();
            await Task.Delay(delay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
