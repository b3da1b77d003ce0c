using Tunnel.ControlPlane.Infrastructure;

namespace Tunnel.ControlPlane.Inspection;

/// <summary>Ages captures out on time for tunnels that went quiet (a busy tunnel's are trimmed as new ones arrive).</summary>
public sealed class CaptureRetention(IServiceScopeFactory scopes, ILogger<CaptureRetention> logger) : PeriodicJob(scopes, logger)
{
    protected override TimeSpan Interval => TimeSpan.FromMinutes(5);

    protected override string What => "age out old captures";

    protected override Task RunAsync(IServiceProvider services, CancellationToken ct) => services.GetRequiredService<CaptureStore>().SweepAsync(ct);
}
