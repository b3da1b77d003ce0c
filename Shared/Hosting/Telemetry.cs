using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Tunnel.Shared.Hosting;

/// <summary>
/// OpenTelemetry for every service, in one place: metrics always (scraped at /metrics, Prometheus format), traces
/// when an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT), and logs that carry the trace and span ids.
/// Tracing stays off without an exporter: a per-request Activity costs the edge a quarter of its small-request rate.
/// Kestrel's memory-pool meter is left out: it counts every 4 KiB block rented, 5% of the edge's CPU on a download.
/// </summary>
public static class Telemetry
{
    /// <summary>Meters and activity sources of our own all start with this.</summary>
    public const string Prefix = "Tunnel.";

    private const string MemoryPoolMeter = "Microsoft.AspNetCore.MemoryPool";

    public static IHostApplicationBuilder AddTunnelTelemetry(this IHostApplicationBuilder builder, string? serviceName = null)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName ?? ServiceName(builder.Environment.ApplicationName)))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddView(i => i.Meter.Name == MemoryPoolMeter ? MetricStreamConfiguration.Drop : null)
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(Prefix + "*")
                .AddPrometheusExporter());
        if (otlp)
        {
            telemetry.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddSource(Prefix + "*"));
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>The Prometheus scrape endpoint, beside /healthz and /readyz.</summary>
    public static void MapMetrics(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder endpoints) => endpoints.MapPrometheusScrapingEndpoint("/metrics");

    /// <summary>tunnel-edge, tunnel-controlplane: the names the services have in traces, beside tunnel-connector.</summary>
    private static string ServiceName(string applicationName) =>
        applicationName.StartsWith(Prefix, StringComparison.Ordinal) ? "tunnel-" + applicationName[Prefix.Length..].ToLowerInvariant() : applicationName;

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");
}
