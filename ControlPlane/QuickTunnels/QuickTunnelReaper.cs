using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.QuickTunnels;

/// <summary>
/// Closes quick tunnels that outlived their lifetime, and those whose connections have been gone longer than the
/// grace period (their process was killed, or never connected): nothing else would, since the process that would
/// have closed it is not there. Every control plane replica runs it; closing twice finds nothing the second time.
/// </summary>
public sealed class QuickTunnelReaper(IServiceScopeFactory scopes, IOptions<ControlPlaneOptions> options, TimeProvider clock, ILogger<QuickTunnelReaper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value.QuickTunnels;
        if (!o.Enabled)
        {
            return;
        }

        var interval = TimeSpan.FromTicks(Math.Clamp(o.GracePeriod.Ticks / 3, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromSeconds(10).Ticks));
        using var timer = new PeriodicTimer(interval);
        while (true)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await SweepAsync(scope.ServiceProvider, o.GracePeriod, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Could not check quick tunnels (trying again): {Error}", ex.Message);
            }
        }
    }

    private readonly DateTimeOffset _started = clock.GetUtcNow();

    private async Task SweepAsync(IServiceProvider services, TimeSpan grace, CancellationToken ct)
    {
        var db = services.GetRequiredService<TunnelDbContext>();
        var quick = await db.Tunnels.Where(t => t.Quick).ToListAsync(ct);
        if (quick.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        // Draining connections count: their process is alive and closes the tunnel itself once its streams finish.
        var live = (await LiveConnections.ListAsync(db, null, ct, withDraining: true)).Select(c => c.TunnelId).ToHashSet();
        // "No connection" is only believed while edges report (a control plane or database outage, or a split from the
        // edges, stops reports, and every quick tunnel would look dead) and once this replica has watched a whole grace period.
        var edgesReport = (await db.Edges.AsNoTracking().Select(e => e.ReportedAt).ToListAsync(ct)).Any(at => at >= now - LiveConnections.StaleAfter);
        var trustAbsence = edgesReport && now - _started >= grace;
        var closing = new List<(Guid Id, string Reason)>();
        foreach (var t in quick)
        {
            if (t.ExpiresAt is { } expires && expires <= now)
            {
                closing.Add((t.Id, "its lifetime ended"));
            }
            else if (live.Contains(t.Id) || !trustAbsence)
            {
                t.QuickLastConnectedAt = live.Contains(t.Id) ? now : t.QuickLastConnectedAt;
            }
            else if ((t.QuickLastConnectedAt ?? t.CreatedAt) + grace <= now)
            {
                // (A process killed before a sweep saw it connected looks the same as one that never connected.)
                closing.Add((t.Id, $"no connection for {grace.TotalSeconds:0} s (its process stopped without closing it, or never connected)"));
            }
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // one was closed meanwhile (by its process, or another replica): the next sweep sees the rest
        }

        foreach (var (id, reason) in closing)
        {
            // Each in its own scope: one failure (closed meanwhile elsewhere) does not carry into the next.
            await using var scope = scopes.CreateAsyncScope();
            try
            {
                if ((await scope.ServiceProvider.GetRequiredService<QuickTunnelService>().CloseAsync(id, key: null, $"closed by the control plane: {reason}", ct)).Succeeded)
                {
                    logger.LogInformation("Closed quick tunnel {Tunnel}: {Reason}", id, reason);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Could not close quick tunnel {Tunnel} (trying again at the next sweep): {Error}", id, ex.Message);
            }
        }
    }
}
