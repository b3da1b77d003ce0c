using System.CommandLine;

namespace Tunnel.Connector.Cli;

/// <summary>create, list, delete, token and route: the control plane's API from the command line.</summary>
public static class ManagementCommands
{
    public static IEnumerable<Command> Create()
    {
        var name = new Argument<string>("NAME") { Description = "Tunnel name" };

        var create = new Command("create", "Create a tunnel and print its token") { name };
        create.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var created = await api.PostAsync<CreatedTunnel>("api/tunnels", new { name = parse.GetValue(name) }, ct);
            Console.WriteLine($"Created tunnel {created.Name} with id {created.Id}");
            Console.WriteLine($"Run it with: tunnel run --token {created.Token} --url http://localhost:3000");
            return 0;
        });

        var list = new Command("list", "List tunnels");
        list.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var tunnels = await api.GetAsync<List<TunnelInfo>>("api/tunnels", ct);
            Console.WriteLine($"{"ID",-36}  {"NAME",-20}  {"CREATED",-20}  {"CONNECTIONS",11}  HOSTNAMES");
            foreach (var t in tunnels)
            {
                Console.WriteLine($"{t.Id,-36}  {t.Name,-20}  {t.CreatedAt.UtcDateTime,-20:yyyy-MM-dd HH:mm:ss}  {t.Connections,11}  {string.Join(",", t.Hostnames)}");
            }

            return 0;
        });

        var delete = new Command("delete", "Delete a tunnel; its connectors are disconnected") { name };
        delete.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            await api.DeleteAsync($"api/tunnels/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct);
            Console.WriteLine($"Deleted tunnel {parse.GetValue(name)}");
            return 0;
        });

        var token = new Command("token", "Print the token that `tunnel run --token` takes") { name };
        token.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var info = await api.GetAsync<TokenInfo>($"api/tunnels/{Uri.EscapeDataString(parse.GetValue(name)!)}/token", ct);
            Console.WriteLine(info.Token);
            return 0;
        });

        var hostname = new Argument<string>("HOSTNAME") { Description = "Public hostname, e.g. app.example.com" };
        var dns = new Command("dns", "Route a public hostname to a tunnel") { name, hostname };
        dns.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var routed = await api.PostAsync<HostnameInfo>(
                $"api/tunnels/{Uri.EscapeDataString(parse.GetValue(name)!)}/hostnames", new { hostname = parse.GetValue(hostname) }, ct);
            Console.WriteLine($"Routed {routed.Hostname} to tunnel {routed.TunnelName}");
            return 0;
        });
        var route = new Command("route", "Route traffic to a tunnel") { dns };

        return [create, list, delete, token, route];
    }
}
