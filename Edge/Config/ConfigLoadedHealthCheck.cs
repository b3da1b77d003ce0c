using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tunnel.Edge.Config;

/// <summary>Ready once the edge has a config to route by, from the control plane or its disk cache.</summary>
internal sealed class ConfigLoadedHealthCheck(ConfigStore config) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(config.Loaded
            ? HealthCheckResult.Healthy($"config version {config.Version}")
            : HealthCheckResult.Unhealthy("no config yet: the control plane has not been reached and nothing is cached"));
}
