using System.CommandLine;
using System.Text.Json;

namespace Tunnel.Connector.Cli;

/// <summary>`tunnel connections` (live, per edge) and `tunnel audit` (who did what).</summary>
public static class StatusCommands
{
    public static Command Connections()
    {
        var name = new Argument<string?>("NAME") { Description = "Only this tunnel's connections", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("connections", "List live connector connections, per edge") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var path = parse.GetValue(name) is { } n ? $"api/tunnels/{Uri.EscapeDataString(n)}/connections" : "api/connections";
            var rows = (await api.GetAsync(path, ct)).EnumerateArray().ToList();
            // The API names tunnels by id; people know them by name (one more call, only for the table).
            var names = parse.GetValue(CommonOptions.Output) == "json" || rows.Count == 0
                ? []
                : (await api.GetAllAsync("api/tunnels", ct)).ToDictionary(t => t.Text("id"), t => t.Text("name"));
            Output.PrintList(parse, rows, $"{"TUNNEL",-20}  {"EDGE",-20}  {"CONNECTOR",-16}  {"CONN",4}  {"VERSION",-10}  {"SINCE",-19}  FROM",
                c => $"{names.GetValueOrDefault(c.Text("tunnelId"), c.Text("tunnelId")),-20}  {c.Text("edgeId"),-20}  {c.Text("connectorId"),-16}  {"#" + c.Text("connectionIndex"),4}  {c.Text("version"),-10}  {c.Time("connectedAt"),-19}  {c.Text("remoteAddress")}");
            return 0;
        });
        return command;
    }

    public static Command Edges()
    {
        var command = new Command("edges", "List the edges of the cluster: how peers and connectors reach each, what it holds, and how its calls to peer edges go");
        command.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var rows = (await api.GetAsync("api/edges", ct)).EnumerateArray().ToList();
            Output.PrintList(parse, rows, $"{"EDGE",-20}  {"STATE",-7}  {"CONNS",5}  {"TUNNELS",7}  {"PEER URL",-32}  PEER LINKS",
                e => $"{e.Text("edgeId"),-20}  {(e.GetProperty("online").GetBoolean() ? "online" : "offline"),-7}  {e.Text("connections"),5}  {e.Text("tunnels"),7}  {Or(e.Text("peerUrl"), "(no peering)"),-32}  {PeerLinks(e)}");
            return 0;
        });
        return command;
    }

    /// <summary>"ok" when every peer this edge called answered lately, else which failed and why.</summary>
    public static string PeerLinks(JsonElement edge)
    {
        var peers = edge.GetProperty("peers").EnumerateArray().ToList();
        var failing = peers.Where(p => !p.GetProperty("ok").GetBoolean()).ToList();
        return peers.Count == 0 ? "-"
            : failing.Count == 0 ? $"ok ({peers.Count} peer(s))"
            : string.Join("; ", failing.Select(p => $"{p.Text("edgeId")} failing: {p.Text("lastError")}"));
    }

    private static string Or(string value, string fallback) => value.Length == 0 || value == "-" ? fallback : value;

    public static Command Audit()
    {
        var tunnel = new Option<string?>("--tunnel") { Description = "Only events about this tunnel (name or id)" };
        var limit = new Option<int>("--limit") { Description = "How many of the newest events", DefaultValueFactory = _ => 50 };
        var command = new Command("audit", "Show the audit log, newest first") { tunnel, limit };
        command.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var query = $"api/audit?limit={parse.GetValue(limit)}";
            if (parse.GetValue(tunnel) is { } t)
            {
                var id = Guid.TryParse(t, out var g) ? g : (await api.GetAsync($"api/tunnels/{Uri.EscapeDataString(t)}", ct)).GetProperty("id").GetGuid();
                query += $"&tunnel={id}";
            }

            var rows = (await api.GetAsync(query, ct)).GetProperty("items").EnumerateArray().ToList();
            Output.PrintList(parse, rows, $"{"WHEN",-19}  {"ACTOR",-30}  {"ACTION",-22}  {"TARGET",-30}  FROM",
                e => $"{e.Time("at"),-19}  {e.Text("actor"),-30}  {e.Text("action"),-22}  {e.Text("target"),-30}  {e.Text("remoteAddress")}");
            return 0;
        });
        return command;
    }
}
