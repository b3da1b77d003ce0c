using System.CommandLine;
using Tunnel.Connector.Connection;
using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;
using Tunnel.Connector.Supervisor;
using Tunnel.Shared.Security;

namespace Tunnel.Connector.Cli;

/// <summary>`tunnel run`: validate the ingress, then keep the HA connections to the edge until stopped.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var token = new Option<string?>("--token")
        {
            Description = "Tunnel token from `tunnel token NAME` [env TUNNEL_TOKEN]",
        };
        var url = new Option<string?>("--url") { Description = "Serve every hostname of the tunnel from this origin (http://localhost:3000, unix:/path.sock); without --url or --config, the ingress rules set in the control plane" };
        var config = new Option<string?>("--config") { Description = "config.yml with cloudflared-style ingress rules" };
        var ha = new Option<int>("--ha-connections") { Description = "Connections to the edge", DefaultValueFactory = _ => 4 };
        var edgeCa = new Option<string?>("--edge-ca")
        {
            Description = "PEM file of the CA that signed the edge's certificate [env TUNNEL_EDGE_CA]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TUNNEL_EDGE_CA"),
        };
        var edge = new Option<string[]>("--edge")
        {
            Description = "An edge's connector address (https://HOST:PORT), overriding the one in the token; repeat it to spread the connections over these edges only (no discovery)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var connectorId = new Option<string?>("--connector-id") { Description = "Names this connector replica (random by default)" };
        var grace = new Option<string>("--grace-period")
        {
            Description = "When stopping, how long streams in flight may finish (e.g. 30s, 2m) [env TUNNEL_GRACE_PERIOD]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TUNNEL_GRACE_PERIOD") ?? "30s",
        };

        var metrics = new Option<string?>("--metrics")
        {
            Description = "Serve /metrics, /healthz and /readyz on this address (e.g. 127.0.0.1:2000) [env TUNNEL_METRICS]",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TUNNEL_METRICS"),
        };

        config.MustBeExistingFile("a config.yml with ingress rules");
        edgeCa.MustBeExistingFile("a PEM file with the edge's CA certificate");
        edge.MustBeUrl("https://edge.example.com:7844", "https");
        grace.MustBeDuration();
        metrics.MustBeHostAndPort("127.0.0.1:2000");

        var run = new Command("run", "Run a tunnel: connect to the edge and serve its hostnames from local origins")
        {
            token, url, config, ha, edgeCa, edge, connectorId, grace, metrics,
        };
        run.SetAction(async (parse, ct) =>
        {
            var settings = Resolve(parse.GetValueOrEnvironment(token, "TUNNEL_TOKEN"), parse.GetValue(url), parse.GetValue(config), parse.GetValue(ha),
                parse.GetValue(edgeCa), parse.GetValue(edge), parse.GetValue(connectorId), parse.GetValue(grace));
            using var loggers = CreateLoggers();
            var supervisor = new TunnelSupervisor(settings, loggers);
            if (parse.GetValue(metrics) is { Length: > 0 } address)
            {
                // The management server's host carries the telemetry (metrics, and traces when OTLP is configured).
                await using var management = await Telemetry.ManagementServer.StartAsync(address, supervisor, ct);
                return await supervisor.RunAsync(ct);
            }

            using var telemetry = new Telemetry.ConnectorTelemetry();
            return await supervisor.RunAsync(ct);
        });
        return run;
    }

    internal static ConnectorSettings Resolve(string? tokenText, string? url, string? configPath, int haConnections,
        string? edgeCa, IReadOnlyList<string>? edgeOverride, string? connectorId, string? gracePeriod = null)
    {
        var grace = TimeSpan.FromSeconds(30);
        if (gracePeriod is not null && !OriginRequest.TryParseDuration(gracePeriod, out grace))
        {
            throw new CliException($"--grace-period '{gracePeriod}' is not a duration: write it like 30s or 2m", 2);
        }

        if (!TunnelToken.TryDecode(tokenText, out var token, out var tokenError))
        {
            throw new CliException($"--token: {tokenError}", 2);
        }

        if (haConnections is < 1 or > 16)
        {
            throw new CliException("--ha-connections must be between 1 and 16", 2);
        }

        IngressRuleSet? ingress;
        try
        {
            ingress = (url, configPath) switch
            {
                (not null, not null) => throw new CliException("give either --url or --config, not both", 2),
                (not null, null) => OriginService.TryParse(url, out var service, out var error)
                    ? IngressRuleSet.SingleService(service!)
                    : throw new CliException($"--url: {error}", 2),
                (null, not null) => ConnectorConfigFile.LoadRules(configPath),
                _ => null, // remotely managed: the control plane's rules arrive with the registration
            };
        }
        catch (IngressException ex)
        {
            throw new CliException(ex.Message, 2);
        }

        // Edges named on the command line are used as they are; the token's edge is where discovery starts.
        var pinned = edgeOverride is { Count: > 0 };
        var edges = new List<Uri>();
        foreach (var edgeText in pinned ? edgeOverride! : [token!.EdgeUrl])
        {
            if (!Uri.TryCreate(edgeText, UriKind.Absolute, out var edgeUrl) || edgeUrl.Scheme != "https")
            {
                throw new CliException($"edge address '{edgeText}' must be an https:// URL", 2);
            }

            edges.Add(edgeUrl);
        }

        return new ConnectorSettings(token!, edges[0], edgeCa, ingress, haConnections,
            string.IsNullOrWhiteSpace(connectorId) ? Guid.NewGuid().ToString("N")[..12] : connectorId, Grace: grace,
            PinnedEdges: pinned ? edges : null);
    }

    internal static ILoggerFactory CreateLoggers() => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(LogLevel.Information);
        b.AddFilter("Grpc", LogLevel.Warning);
        b.AddFilter("System.Net.Http", LogLevel.Warning);
        b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // logs on stderr, as cloudflared
    });
}
