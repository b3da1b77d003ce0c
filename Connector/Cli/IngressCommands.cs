using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Serialization;

namespace Tunnel.Connector.Cli;

/// <summary>
/// `tunnel ingress validate` and `tunnel ingress rule URL`, as in cloudflared (check rules without connecting), and
/// `set | show | local` for ingress managed in the control plane.
/// </summary>
public static class IngressCommands
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "config.yml with ingress rules", Required = true };

        var validate = new Command("validate", "Check the ingress rules of a config file") { config };
        validate.SetAction(parse =>
        {
            var path = parse.GetValue(config)!;
            Console.WriteLine($"Validating rules from {path}");
            var rules = Load(path);
            Console.WriteLine($"OK: {rules.Rules.Count} rules");
            return 0;
        });

        var url = new Argument<string>("URL") { Description = "A URL, e.g. https://app.example.com/api/users" };
        var rule = new Command("rule", "Print the rule that a URL matches") { url, config };
        rule.SetAction(parse =>
        {
            var text = parse.GetValue(url)!;
            if (!Uri.TryCreate(text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text, UriKind.Absolute, out var uri))
            {
                throw new CliException($"'{text}' is not a URL", 2);
            }

            var rules = Load(parse.GetValue(config)!);
            var (index, matched) = rules.Match(uri.IdnHost, uri.AbsolutePath);
            Console.WriteLine($"Matched rule #{index + 1}");
            if (matched.Hostname.Length > 0)
            {
                Console.WriteLine($"\thostname: {matched.Hostname}");
            }

            if (matched.Path.Length > 0)
            {
                Console.WriteLine($"\tpath: {matched.Path}");
            }

            Console.WriteLine($"\tservice: {matched.Service}");
            return 0;
        });

        var name = new Argument<string>("NAME") { Description = "Tunnel name (or id)" };
        var file = new Argument<string>("CONFIG") { Description = "config.yml whose ingress rules the control plane should manage" };
        var wait = new Option<string>("--wait")
        {
            Description = "How long to wait for the online connectors to accept or refuse the rules, e.g. 15s or 1m",
            DefaultValueFactory = _ => "15s",
        }.MustBeDuration();
        var set = new Command("set", "Manage a tunnel's ingress in the control plane: its connectors then run with just --token") { name, file, wait };
        set.SetAction(async (parse, ct) =>
        {
            List<IngressRuleSpec> specs;
            try
            {
                specs = ConnectorConfigFile.LoadSpecsForUpload(parse.GetValue(file)!);
            }
            catch (IngressException ex)
            {
                throw new CliException(ex.Message, 2);
            }

            using var api = CommonOptions.CreateClient(parse);
            var path = $"api/tunnels/{Uri.EscapeDataString(parse.GetValue(name)!)}/ingress";
            var result = await api.PutAsync(path, new JsonObject { ["rules"] = JsonSerializer.SerializeToNode(specs, SharedJsonContext.Default.ListIngressRuleSpec) }, ct);
            // The rules take effect per connection as each connector accepts them: wait to say which did.
            var deadline = DateTimeOffset.UtcNow + (OriginRequest.TryParseDuration(parse.GetValue(wait), out var w) ? w : TimeSpan.Zero);
            while (!IngressRolloutText.Settled(result.GetProperty("status")) && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(250, ct);
                result = await api.GetAsync(path, ct);
            }

            var status = result.GetProperty("status");
            foreach (var warning in result.GetProperty("warnings").EnumerateArray())
            {
                Console.Error.WriteLine($"warning: {warning.GetString()}");
            }

            Output.Print(parse, result, r =>
            {
                Console.WriteLine($"Tunnel {parse.GetValue(name)} now has {r.GetProperty("rules").GetArrayLength()} ingress rules from the control plane (version {status.Text("version")})");
                Console.WriteLine(status.GetProperty("connections").GetInt32() == 0
                    ? "No connector is online: connectors apply them when they connect (tunnel info shows whether they did)."
                    : IngressRolloutText.Settled(status)
                        ? $"Accepted by {status.Text("serving")} of {status.Text("connections")} connection(s)."
                        : $"{status.Text("serving")} of {status.Text("connections")} connection(s) serve them so far; tunnel info shows the rest.");
            });
            if (status.GetProperty("refused").GetInt32() > 0)
            {
                var reasons = string.Join("; ", status.GetProperty("refusals").EnumerateArray().Select(x => $"connector {x.Text("connectorId")}: {x.Text("reason")}"));
                throw new CliException($"the rules are saved, but {status.Text("refused")} connection(s) refused them and keep serving their previous rules, if they have any ({reasons}). Fix the rules (or the connector's host) and set them again.", 1);
            }

            return 0;
        });

        var show = new Command("show", "Print the ingress rules the control plane manages for a tunnel") { name };
        show.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var result = await api.GetAsync($"api/tunnels/{Uri.EscapeDataString(parse.GetValue(name)!)}/ingress", ct);
            Output.Print(parse, result, r =>
            {
                if (!r.GetProperty("remotelyManaged").GetBoolean())
                {
                    Console.WriteLine("Managed by the connectors (--url or config.yml)");
                    return;
                }

                foreach (var line in IngressRolloutText.Lines(r.GetProperty("status")))
                {
                    Console.WriteLine(line);
                }

                foreach (var warning in r.GetProperty("warnings").EnumerateArray())
                {
                    Console.WriteLine($"warning: {warning.GetString()}");
                }

                var i = 0;
                foreach (var item in r.GetProperty("rules").EnumerateArray())
                {
                    Console.WriteLine($"#{++i}\t{(item.Text("hostname") is "-" ? "*" : item.Text("hostname"))}\t{(item.Text("path") is "-" ? "" : item.Text("path"))}\t{item.Text("service")}");
                }
            });
            return 0;
        });

        var local = new Command("local", "Hand a tunnel's ingress back to its connectors' --url or config.yml") { name };
        local.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            await api.DeleteAsync($"api/tunnels/{Uri.EscapeDataString(parse.GetValue(name)!)}/ingress", ct);
            Console.WriteLine($"Tunnel {parse.GetValue(name)}'s connectors serve their own ingress rules again");
            return 0;
        });

        return new Command("ingress", "Check ingress rules, or manage them in the control plane") { validate, rule, set, show, local };
    }

    private static IngressRuleSet Load(string path)
    {
        try
        {
            return ConnectorConfigFile.LoadRules(path);
        }
        catch (IngressException ex)
        {
            throw new CliException(ex.Message, 2);
        }
    }
}
