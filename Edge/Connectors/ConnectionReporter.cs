using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Connectors;

/// <summary>Tells the control plane which connector connections this edge holds: on every change (debounced) and every 10 s.</summary>
public sealed class ConnectionReporter(
    ConnectorRegistry registry,
    ControlPlaneChannel channel,
    Peering.PeerHealth peers,
    IOptions<EdgeOptions> options,
    ILogger<ConnectionReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changed = new SemaphoreSlim(0, 1);
        registry.Changed += () =>
        {
            if (changed.CurrentCount == 0)
            {
                try { changed.Release(); } catch (SemaphoreFullException) { }
            }
        };

        while (!stoppingToken.IsCancellationRequested)
        {
            if (await changed.WaitAsync(Interval, stoppingToken))
            {
                await Task.Delay(Debounce, stoppingToken);
            }

            try
            {
                await channel.Client.ReportConnectionsAsync(BuildReport(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug("Could not report connections to the control plane: {Error}", ex.Message);
            }
        }
    }

    private ConnectionReport BuildReport()
    {
        var o = options.Value;
        var report = new ConnectionReport { EdgeId = o.Id, PeerUrl = o.Peering ? o.PeerUrl : "", ConnectorUrl = o.ConnectorUrl ?? "" };
        report.Peers.AddRange(peers.Report());
        var rulesSent = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (c, draining) in registry.All.Select(c => (c, false)).Concat(registry.Draining.Select(c => (c, true))))
        {
            var live = new LiveConnection
            {
                ConnectionId = c.Id,
                TunnelId = c.TunnelId,
                ConnectorId = c.ConnectorId,
                ConnectionIndex = c.Index,
                Version = c.Version,
                RemoteAddress = c.RemoteAddress,
                ConnectedAt = Timestamp.FromDateTimeOffset(c.ConnectedAt),
                LastHeartbeat = Timestamp.FromDateTimeOffset(c.LastHeartbeat),
                IngressVersion = c.Served?.Version ?? "",
                IngressRejectedVersion = c.Rejected?.Version ?? "",
                IngressRejectedReason = c.Rejected?.Reason ?? "",
                Draining = draining,
                RegistrationsLastHour = registry.RegistrationsLastHour(c.TunnelId, c.ConnectorId),
            };
            if (c.ConnectorReconnectsLastHour is { } reconnects)
            {
                live.ConnectorReconnectsLastHour = reconnects;
            }

            // Other edges route the tunnel by them. Once per tunnel: the control plane keeps one set per tunnel and
            // edge anyway, and a copy per connection would let one tunnel's connections outgrow the report.
            if (!draining && c.Served is { IsRemote: false } local && rulesSent.Add(c.TunnelId))
            {
                live.LocalIngress.AddRange(local.LocalRules);
            }

            report.Connections.Add(live);
        }

        return report;
    }
}
