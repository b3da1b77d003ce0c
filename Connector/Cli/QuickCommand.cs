using System.CommandLine;
using System.Text.Json.Nodes;
using Tunnel.Connector.Supervisor;
using Tunnel.Shared.Ingress;

namespace Tunnel.Connector.Cli;

/// <summary>
/// `tunnel quick --url http://localhost:3000`: asks the control plane for a quick tunnel (a random name under its
/// quick domain), prints the URL, and serves it like `tunnel run` until stopped or its --ttl ends; then closes it.
/// A killed process's tunnel is closed by the control plane after its grace period.
/// </summary>
public static class QuickCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The local origin to expose: http://localhost:3000, https://…, unix:/path.sock", Required = true };
        var ttl = new Option<string?>("--ttl") { Description = "End the tunnel after this long (e.g. 30m, 2h; at most what the control plane allows)" };
        var allowEmail = new Option<string[]>("--allow-email") { Description = "Only these people may reach it, after logging in through Access (repeat)" };
        var allowDomain = new Option<string[]>("--allow-domain") { Description = "Only people with an email address in this domain (repeat)" };
        var ha = new Option<int>("--ha-connections") { Description = "Connections to the edge", DefaultValueFactory = _ => 4 };
        var edgeCa = new Option<string?>("--edge-ca")
        {
            Description = "PEM file of the CA that signed the edge's certificate [env TUNNEL_EDGE_CA]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TUNNEL_EDGE_CA"),
        };
        edgeCa.MustBeExistingFile("a PEM file with the edge's CA certificate");
        ttl.MustBeDuration();

        var quick = new Command("quick", "Expose a local service at a new public URL in one command; the tunnel goes away when this stops")
        {
            url, ttl, allowEmail, allowDomain, ha, edgeCa,
        };
        quick.SetAction(async (parse, ct) =>
        {
            var origin = parse.GetValue(url)!;
            if (!OriginService.TryParse(origin, out _, out var originError))
            {
                throw new CliException($"--url: {originError}", 2);
            }

            using var api = new ControlPlaneApiClient(parse.GetValue(CommonOptions.Api)!, parse.GetValueOrEnvironment(CommonOptions.ApiKey, "TUNNEL_API_KEY"),
                parse.GetValue(CommonOptions.ApiCa), keyRequired: false);
            var request = new JsonObject
            {
                ["ttl"] = parse.GetValue(ttl),
                ["allowEmails"] = new JsonArray((parse.GetValue(allowEmail) ?? []).Select(e => (JsonNode?)e).ToArray()),
                ["allowDomains"] = new JsonArray((parse.GetValue(allowDomain) ?? []).Select(d => (JsonNode?)d).ToArray()),
            };
            var created = await api.PostAsync("api/quick-tunnels", request, ct);
            var id = created.GetProperty("id").GetString()!;
            var key = created.GetProperty("key").GetString()!;
            var expires = created.GetProperty("expiresAt").GetDateTimeOffset();
            try
            {
                var settings = RunCommand.Resolve(created.GetProperty("token").GetString(), origin, null, parse.GetValue(ha), parse.GetValue(edgeCa), null, null);
                var publicUrl = created.GetProperty("url").GetString()!;
                var line = $"|  {publicUrl}";
                var width = Math.Max(60, line.Length + 2);
                Console.WriteLine("+" + new string('-', width) + "+");
                Console.WriteLine("|  Your quick tunnel is ready; it ends when you stop this.".PadRight(width + 1) + "|");
                Console.WriteLine(line.PadRight(width + 1) + "|");
                Console.WriteLine("+" + new string('-', width) + "+");
                Console.WriteLine($"Serving {origin}; the tunnel ends at {expires.ToLocalTime():HH:mm} at the latest.");
                Console.Out.Flush();

                using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(ct);
                lifetime.CancelAfter(Max(expires - DateTimeOffset.UtcNow, TimeSpan.Zero));
                using var loggers = RunCommand.CreateLoggers();
                using var telemetry = new Telemetry.ConnectorTelemetry();
                var exit = await new TunnelSupervisor(settings, loggers).RunAsync(lifetime.Token);
                if (!ct.IsCancellationRequested && lifetime.IsCancellationRequested)
                {
                    Console.WriteLine("The quick tunnel's time is up (--ttl, or the control plane's limit).");
                }

                return exit;
            }
            finally
            {
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await api.DeleteAsync($"api/quick-tunnels/{id}", "Tunnel-Quick-Key", key, closing.Token);
                    Console.WriteLine("Quick tunnel closed.");
                }
                catch (CliException) when (DateTimeOffset.UtcNow >= expires)
                {
                    Console.WriteLine("Quick tunnel closed (by the control plane, at the end of its lifetime).");
                }
                catch (Exception ex) when (ex is CliException or OperationCanceledException)
                {
                    Console.Error.WriteLine($"warning: could not close the quick tunnel ({ex.Message}); the control plane closes it after its grace period.");
                }
            }
        });
        return quick;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
