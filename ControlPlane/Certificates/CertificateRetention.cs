using Microsoft.Extensions.Options;
using Tunnel.ControlPlane.Infrastructure;

namespace Tunnel.ControlPlane.Certificates;

/// <summary>Every hour, forgets the certificates (and keys) of names no longer routed once they have expired.</summary>
public sealed class CertificateRetention(IServiceScopeFactory scopes, IOptions<ControlPlaneOptions> options, ILogger<CertificateRetention> logger)
    : PeriodicJob(scopes, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override string What => "forget the certificates of names no longer routed";

    protected override async Task RunAsync(IServiceProvider services, CancellationToken ct)
    {
        var quick = options.Value.QuickTunnels;
        var pruned = await services.GetRequiredService<CertificateLedger>().PruneAsync(quick.Enabled ? quick.Domain : "", ct);
        if (pruned > 0)
        {
            logger.LogInformation("Forgot {Count} expired certificates of names no longer routed", pruned);
        }
    }
}
