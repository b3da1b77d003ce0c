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

    private async Task SweepAsync(IServiceProvider services, TimeSpan grace, CancellationToken ct)
    {
        var db = services.GetRequiredService<TunnelDbContext>();
        var quick = await db.Tunnels.Where(t => t.Quick).ToListAsync(ct);
        if (quick.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        // Draining connections count: their process is alive and closing the tunnel itself once its streams finish.
        var live = (await LiveConnections.ListAsync(db, null, ct, withDraining: true)).Select(c => c.TunnelId).ToHashSet();
        var closing = new List<(Guid Id, string Reason)>();
        foreach (var t in quick)
        {
            if (t.ExpiresAt is { } expires && expires <= now)
            {
                closing.Add((t.Id, "its lifetime ended"));
            }
            else if (live.Contains(t.Id))
            {
                t.QuickLastConnectedAt = now;
            }
            else if ((t.QuickLastConnectedAt ?? t.CreatedAt) + grace <= now)
            {
                // (A process killed before a sweep saw it connected looks the same as one that never connected.)
                closing.Add((t.Id, $"no connection for {grace.TotalSeconds:0} s (its process stopped without closing it, or never connected)"));
            }
        }

        await db.SaveChangesAsync(ct);
        var service = services.GetRequiredService<QuickTunnelService>();
        foreach (var (id, reason) in closing)
        {
            if ((await service.CloseAsync(id, key: null, $"closed by the control plane: {reason}", ct)).Succeeded)
            {
                logger.LogInformation("Closed quick tunnel {Tunnel}: {Reason}", id, reason);
            }
        }
    }
}
