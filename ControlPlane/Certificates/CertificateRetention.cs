using Microsoft.Extensions.Options;

namespace Tunnel.ControlPlane.Certificates;

/// <summary>Every hour, forgets the certificates (and keys) of names no longer routed once they have expired.</summary>
public sealed class CertificateRetention(IServiceScopeFactory scopes, IOptions<ControlPlaneOptions> options, ILogger<CertificateRetention> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var quick = options.Value.QuickTunnels;
                var pruned = await scope.ServiceProvider.GetRequiredService<CertificateLedger>().PruneAsync(quick.Enabled ? quick.Domain : "", stoppingToken);
                if (pruned > 0)
                {
                    logger.LogInformation("Forgot {Count} expired certificates of names no longer routed", pruned);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not forget the certificates of names no longer routed (trying again in an hour): {Error}", ex.Message);
            }
        }
    }
}
