using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tunnel.Connector.Cli;

/// <summary>`tunnel route dns|delete|list`: public hostnames and the tunnels they go to.</summary>
public static class RouteCommands
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "Tunnel name (or id)" };
        var hostname = new Argument<string>("HOSTNAME") { Description = "Public hostname, e.g. app.example.com or *.dev.example.com" };

        var dns = new Command("dns", "Route a public hostname to a tunnel") { name, hostname };
        dns.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var (status, routed) = await api.PostWithStatusAsync(
                $"api/tunnels/{Uri.EscapeDataString(parse.GetValue(name)!)}/hostnames", new JsonObject { ["hostname"] = parse.GetValue(hostname) }, ct);
            Output.Print(parse, routed, r => Console.WriteLine(status == System.Net.HttpStatusCode.Created
                ? $"Routed {r.Text("hostname")} to tunnel {r.Text("tunnelName")}"
                : $"{r.Text("hostname")} is already routed to tunnel {r.Text("tunnelName")}; nothing to do"));
            return 0;
        });

        var delete = new Command("delete", "Stop routing a hostname") { hostname };
        delete.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            await api.DeleteAsync($"api/hostnames/{Uri.EscapeDataString(parse.GetValue(hostname)!)}", ct);
            Console.WriteLine($"Removed the route of {parse.GetValue(hostname)}");
            return 0;
        });

        var tunnel = new Option<string?>("--tunnel") { Description = "Only the hostnames of this tunnel" };
        var list = new Command("list", "List routed hostnames") { tunnel };
        list.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var path = parse.GetValue(tunnel) is { } t ? $"api/hostnames?tunnel={Uri.EscapeDataString(t)}" : "api/hostnames";
            var rows = await api.GetAllAsync(path, ct);
            Output.PrintList(parse, rows, $"{"HOSTNAME",-40}  {"TUNNEL",-20}  CREATED",
                r => $"{r.Text("hostname"),-40}  {r.Text("tunnelName"),-20}  {r.Time("createdAt")}");
            return 0;
        });

        return new Command("route", "Route public hostnames to tunnels") { dns, delete, list };
    }
}
