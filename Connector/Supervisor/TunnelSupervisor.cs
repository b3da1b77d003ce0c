using System.Collections.Concurrent;
using Tunnel.Connector.Connection;
using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;

namespace Tunnel.Connector.Supervisor;

/// <summary>
/// Keeps the HA connections to the edge up, each reconnecting on its own with backoff; stops all on a refused token.
/// Asked to stop (SIGTERM, Ctrl+C), it drains: tells the edge to send nothing new, lets streams in flight finish
/// (up to the grace period), then closes.
/// </summary>
public sealed class TunnelSupervisor(ConnectorSettings settings, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger("tunnel.supervisor");
    private readonly OriginDialer _dialer = new() { TlsProbe = new OriginTlsProbe(loggers.CreateLogger("tunnel.origin")) };
    private readonly ActiveIngress _ingress = new(settings.Ingress, loggers.CreateLogger("tunnel.ingress"));
    private readonly StreamActivity _activity = new();
    private readonly ConcurrentDictionary<int, EdgeConnection> _live = new();
    private readonly EdgeAddresses _edges = new(settings);
    private readonly ReconnectLog _reconnects = new(TimeProvider.System);

    /// <summary>Connections the edge has registered now.</summary>
    public int RegisteredConnections => _live.Values.Count(c => c.IsRegistered);

    /// <summary>Stopping: streams in flight finish, nothing new comes.</summary>
    public bool Draining => _activity.Draining;

    /// <summary>Runs until asked to stop (exit 0, after draining), or the edge refuses the token or cannot be trusted (exit 1).</summary>
    public async Task<int> RunAsync(CancellationToken stopRequested)
    {
        using var stop = new CancellationTokenSource();
        Exception? refused = null;
        var connections = Enumerable.Range(0, settings.HaConnections).Select(async index =>
        {
            try
            {
                await KeepConnectedAsync(index, stop.Token);
            }
            catch (Exception ex) when (ex is TokenRefusedException or EdgeUnusableException)
            {
                refused ??= ex;
                await stop.CancelAsync();
            }
        }).ToList();
        var trimming = IdleMemoryTrimmer.RunAsync(TimeSpan.FromSeconds(2), stop.Token);

        _logger.LogInformation("Starting tunnel {TunnelId}: connector {ConnectorId} (version {Version}), {Count} connections to {EdgeUrl} (and the other edges it tells of)",
            settings.Token.TunnelId, settings.ConnectorId, ConnectorSettings.Version, settings.HaConnections, settings.EdgeUrl);
        Task? draining = null;
        await using (stopRequested.Register(() => draining = DrainThenStopAsync(stop)))
        {
            await Task.WhenAll(connections);
        }

        await stop.CancelAsync();
        await trimming;

        if (draining is not null)
        {
            await draining;
        }

        if (refused is not null)
        {
            _logger.LogError("{Reason}", refused.Message);
            return 1;
        }

        _logger.LogInformation("Connector stopped");
        return 0;
    }

    private async Task DrainThenStopAsync(CancellationTokenSource stop)
    {
        _logger.LogInformation("Stopping: the edge gets no new requests for this connector; waiting up to {Grace:0} s for {Count} streams in flight",
            settings.GracePeriod.TotalSeconds, _activity.Active);
        var drain = _activity.DrainAsync(StreamActivity.Quiet, settings.GracePeriod, stop.Token);
        await Task.WhenAll(_live.Values.Select(c => c.UnregisterAsync()));
        await drain;
        await stop.CancelAsync();
    }

    /// <summary>Connection index's own loop: it dials its edge, and on a loss the next edge after a backoff.</summary>
    private async Task KeepConnectedAsync(int index, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("tunnel.connection");
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
        await _edges.WaitForDiscoveryAsync(index, cancellationToken);
        Uri? confirmAt = null;
        for (var attempt = 0; !cancellationToken.IsCancellationRequested; attempt++)
        {
            string reason;
            var edgeUrl = confirmAt ?? _edges.For(index, attempt);
            confirmAt = null;
            var connection = new EdgeConnection(settings, edgeUrl, _ingress, _activity, index, _dialer, logger) { OnEdgesLearned = _edges.Learn, Reconnects = _reconnects };
            try
            {
                _live[index] = connection;
                await connection.RunAsync(() =>
                {
                    backoff.Reset();
                    Telemetry.ConnectorTelemetry.ConnectionRegistered(1);
                }, cancellationToken);
                reason = "the edge asked it to move";
            }
            catch (TokenRefusedException) when (_edges.IsOperatorGiven(edgeUrl))
            {
                throw;
            }
            catch (TokenRefusedException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // An edge only the cluster told of may be behind (a new tunnel not in its config yet), or be no edge
                // of ours at all: it does not stop the connector. The token's edge decides, on the next attempt.
                reason = ex.Message;
                confirmAt = settings.EdgeUrl;
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                (reason, var fatal) = EdgeFailure.Describe(ex, edgeUrl);
                if (index == 0 && attempt == 0)
                {
                    _edges.Learn([]); // the other connections stop waiting for the edge list
                }

                if (fatal && _edges.IsOperatorGiven(edgeUrl))
                {
                    throw new EdgeUnusableException(reason);
                }
            }
            finally
            {
                _live.TryRemove(new KeyValuePair<int, EdgeConnection>(index, connection));
                if (connection.IsRegistered)
                {
                    Telemetry.ConnectorTelemetry.ConnectionRegistered(-1);
                }
            }

            if (_activity.Draining)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return; // stopping: no reconnect
            }

            var delay = backoff.Next();
            logger.LogWarning("Connection {Index} to {EdgeUrl} is down ({Reason}); reconnecting to {Next} in {Delay:0.0} s",
                index, edgeUrl, reason, confirmAt ?? _edges.For(index, attempt + 1), delay.TotalSeconds);
            Telemetry.ConnectorTelemetry.Reconnected();
            await Task.Delay(delay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
