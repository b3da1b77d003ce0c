using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tunnel.Connector.Cli;
using Tunnel.Connector.Supervisor;
using Tunnel.Shared.Hosting;

namespace Tunnel.Connector.Telemetry;

/// <summary>
/// `tunnel run --metrics 127.0.0.1:2000` (cloudflared's flag): the connector's operator endpoints, with the same
/// service defaults as the edge and the control plane: /metrics (Prometheus), /healthz (the process answers) and
/// /readyz (at least one connection registered at the edge and not draining; 503 otherwise, saying why).
/// </summary>
public static class ManagementServer
{
    public const string ServiceName = "tunnel-connector";

    public static async Task<WebApplication> StartAsync(string address, TunnelSupervisor supervisor, CancellationToken cancellationToken)
    {
        var url = $"http://{address}";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port <= 0 || uri.AbsolutePath != "/" || address.Contains('/'))
        {
            throw new CliException($"--metrics '{address}' is not an address: write it as HOST:PORT, like 127.0.0.1:2000", 2);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.AddServiceDefaults(ServiceName);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(url);
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("edge-connections", _ => new ConnectionsCheck(supervisor),
            HealthStatus.Unhealthy, [ServiceDefaults.ReadyTag]));
        var app = builder.Build();
        app.MapDefaultEndpoints();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new CliException($"--metrics {address}: cannot listen there ({ex.Message}); choose a free port", 2);
        }

        return app;
    }

    private sealed class ConnectionsCheck(TunnelSupervisor supervisor) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var registered = supervisor.RegisteredConnections;
            return Task.FromResult(supervisor.Draining
                ? HealthCheckResult.Unhealthy("draining: stopping after the streams in flight")
                : registered > 0
                    ? HealthCheckResult.Healthy($"{registered} connection(s) registered at the edge")
                    : HealthCheckResult.Unhealthy("no connection registered at the edge"));
        }
    }
}
