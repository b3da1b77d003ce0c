using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tunnel.Connector.Cli;

/// <summary>create, list, info, rename, rotate, delete, token: tunnels in the control plane from the command line.</summary>
public static class TunnelCommands
{
    private static string Path(ParseResult parse, Argument<string> name, string rest = "") =>
        $"api/tunnels/{Uri.EscapeDataString(parse.GetValue(name)!)}{rest}";

    public static IEnumerable<Command> Create()
    {
        var name = new Argument<string>("NAME") { Description = "Tunnel name (or id)" };

        var create = new Command("create", "Create a tunnel and print its token") { name };
        create.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var created = await api.PostAsync("api/tunnels", new JsonObject { ["name"] = parse.GetValue(name) }, ct);
            Output.Print(parse, created, t =>
            {
                Console.WriteLine($"Created tunnel {t.Text("name")} with id {t.Text("id")}");
                Console.WriteLine($"Run it with: tunnel run --token {t.Text("token")} --url http://localhost:3000");
            });
            return 0;
        });

        var filter = new Option<string?>("--name") { Description = "Only tunnels whose name contains this" };
        var status = new Option<string?>("--status") { Description = "Only tunnels that are healthy, degraded or down" };
        var list = new Command("list", "List tunnels with their status") { filter, status };
        list.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var query = string.Join("&", new[] { ("name", parse.GetValue(filter)), ("status", parse.GetValue(status)) }
                .Where(q => q.Item2 is not null).Select(q => $"{q.Item1}={Uri.EscapeDataString(q.Item2!)}"));
            var tunnels = await api.GetAllAsync(query.Length == 0 ? "api/tunnels" : $"api/tunnels?{query}", ct);
            Output.PrintList(parse, tunnels, $"{"ID",-36}  {"NAME",-20}  {"STATUS",-8}  {"CONNS",5}  {"CREATED",-19}  HOSTNAMES",
                t => $"{t.Text("id"),-36}  {Name(t),-20}  {t.Text("status"),-8}  {t.Text("connections"),5}  {t.Time("createdAt"),-19}  {t.Join("hostnames")}");
            return 0;
        });

        var info = new Command("info", "Show a tunnel: status, hostnames, connector versions, and whether its connectors serve its ingress rules") { name };
        info.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var t = await api.GetAsync(Path(parse, name), ct);
            // Where its connections are, and whether the edges reach each other (any edge serves it through a peer).
            var text = parse.GetValue(CommonOptions.Output) != "json";
            var connections = text ? (await api.GetAsync(Path(parse, name, "/connections"), ct)).EnumerateArray().ToList() : [];
            var edges = text ? (await api.GetAsync("api/edges", ct)).EnumerateArray().ToList() : [];
            var certificates = text ? (await api.GetAsync(Path(parse, name, "/certificates"), ct)).EnumerateArray().ToList() : [];
            Output.Print(parse, t, _ =>
            {
                Console.WriteLine($"{t.Text("name")} ({t.Text("id")}), created {t.Time("createdAt")}");
                var versions = t.Join("connectorVersions");
                Console.WriteLine($"status {t.Text("status")}, {t.Text("connections")} connection(s), "
                    + (versions.Length == 0 ? "no connector connected" : $"connector versions: {versions}"));
                Console.WriteLine($"hostnames: {t.Join("hostnames")}");
                foreach (var line in IngressRolloutText.Lines(t.GetProperty("ingress")))
                {
                    Console.WriteLine(line);
                }

                foreach (var line in EdgeLines(connections, edges))
                {
                    Console.WriteLine(line);
                }

                foreach (var line in CertificateLines(certificates))
                {
                    Console.WriteLine(line);
                }
            });
            return 0;
        });

        var newName = new Argument<string>("NEW_NAME") { Description = "The tunnel's new name" };
        var rename = new Command("rename", "Rename a tunnel (its id and token stay)") { name, newName };
        rename.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var t = await api.PatchAsync(Path(parse, name), new JsonObject { ["name"] = parse.GetValue(newName) }, ct);
            Output.Print(parse, t, _ => Console.WriteLine($"Renamed tunnel {parse.GetValue(name)} to {t.Text("name")}"));
            return 0;
        });

        var rotate = new Command("rotate", "Give a tunnel a new secret; connectors on the old token are disconnected") { name };
        rotate.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var t = await api.PostAsync(Path(parse, name, "/rotate"), new JsonObject(), ct);
            Output.Print(parse, t, _ =>
            {
                Console.Error.WriteLine($"Rotated the secret of {parse.GetValue(name)}; restart its connectors with the new token:");
                Console.WriteLine(t.Text("token"));
            });
            return 0;
        });

        var delete = new Command("delete", "Delete a tunnel; its connectors are disconnected") { name };
        delete.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            await api.DeleteAsync(Path(parse, name), ct);
            Console.WriteLine($"Deleted tunnel {parse.GetValue(name)}");
            return 0;
        });

        var token = new Command("token", "Print the token that `tunnel run --token` takes") { name };
        token.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var t = await api.GetAsync(Path(parse, name, "/token"), ct);
            Output.Print(parse, t, _ => Console.WriteLine(t.Text("token")));
            return 0;
        });

        return [create, list, info, rename, rotate, delete, token];
    }

    /// <summary>Each hostname's ACME certificate, and the last attempt's error while it lasts; nothing for names never ordered.</summary>
    private static IEnumerable<string> CertificateLines(List<JsonElement> certificates)
    {
        foreach (var c in certificates.Where(c => c.Text("certificate") != "-"))
        {
            var served = c.Text("issuer") == "-" ? "no certificate yet"
                : $"certificate {c.Text("certificate")} from {c.Text("issuer")}, valid until {c.Time("notAfter")}, obtained {c.Time("issuedAt")} by {c.Text("issuedBy")}";
            yield return $"certificate of {c.Text("hostname")}: {served}";
            if (c.Text("lastError") != "-")
            {
                yield return $"       last attempt {c.Time("lastAttemptAt")} failed ({c.Text("failuresInARow")} in a row"
                    + (c.Time("nextAttemptAt") is var next and not "-" ? $", next try after {next}" : "") + $"): {c.Text("lastError")}";
            }
            else if (c.Text("orderingEdge") != "-")
            {
                yield return $"       being ordered by {c.Text("orderingEdge")}";
            }
        }
    }

    /// <summary>Which edges hold the tunnel's connections, which serve it through them, and failing peer links.</summary>
    private static IEnumerable<string> EdgeLines(List<JsonElement> connections, List<JsonElement> edges)
    {
        if (connections.Count == 0)
        {
            yield break;
        }

        var holding = connections.GroupBy(c => c.Text("edgeId")).Select(g => $"{g.Key} ({g.Count()})").ToList();
        yield return $"edges: connections on {string.Join(", ", holding)}";
        var online = edges.Where(e => e.GetProperty("online").GetBoolean()).ToList();
        var held = connections.Select(c => c.Text("edgeId")).ToHashSet();
        var viaPeers = online.Where(e => !held.Contains(e.Text("edgeId"))).Select(e => e.Text("edgeId")).ToList();
        if (viaPeers.Count > 0)
        {
            yield return $"       served through a peer by {string.Join(", ", viaPeers)}";
        }

        foreach (var edge in online.Where(e => e.GetProperty("peers").EnumerateArray().Any(p => !p.GetProperty("ok").GetBoolean())))
        {
            yield return $"peer links of {edge.Text("edgeId")}: {StatusCommands.PeerLinks(edge)}";
        }
    }

    /// <summary>A quick tunnel (`tunnel quick`) says so, and when it ends.</summary>
    private static string Name(System.Text.Json.JsonElement t) =>
        t.TryGetProperty("quick", out var quick) && quick.ValueKind == System.Text.Json.JsonValueKind.True
            ? $"{t.Text("name")} (quick, ends {t.Time("expiresAt")})"
            : t.Text("name");
}
