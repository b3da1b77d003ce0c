using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tunnel.ControlPlane.Infrastructure;

/// <summary>Ready means the store answers.</summary>
internal sealed class DatabaseHealthCheck(TunnelDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("the database does not answer");
}
