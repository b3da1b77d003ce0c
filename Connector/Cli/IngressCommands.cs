using System.CommandLine;
using Tunnel.Connector.Ingress;

namespace Tunnel.Connector.Cli;

/// <summary>`tunnel ingress validate` and `tunnel ingress rule URL`, as in cloudflared: check rules without connecting.</summary>
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

        return new Command("ingress", "Check ingress rules without connecting") { validate, rule };
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
