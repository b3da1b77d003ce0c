using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tunnel.Shared.Hosting;

/// <summary>The one place that sets what every Tunnel service has: logging shape, telemetry, health and readiness.</summary>
public static class ServiceDefaults
{
    public const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, string? serviceName = null)
    {
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.IncludeScopes = true; // the trace and span ids of the request a line belongs to
        });
        builder.AddTunnelTelemetry(serviceName);
        builder.Services.AddHealthChecks();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        return builder;
    }

    public static RouteGroupBuilder MapDefaultEndpoints(this WebApplication app)
    {
        // Liveness: the process answers. Readiness: every check tagged "ready" passes.
        var group = app.MapGroup("");
        group.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        group.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) });
        group.MapMetrics();
        return group;
    }
}
