using System.CommandLine;

namespace Tunnel.Connector.Cli;

/// <summary>
/// The "Examples:" section of each command's help, by command path; kept in one table so they read as a set (and a
/// test checks that every leaf command has one).
/// </summary>
public static class CommandExamples
{
    private static readonly Dictionary<string, string[]> ByPath = new()
    {
        ["tunnel run"] =
        [
            "tunnel run --token \"$(tunnel token web)\" --url http://localhost:3000",
            "tunnel run --token \"$TOKEN\" --config config.yml --edge-ca edge-ca.pem --metrics 127.0.0.1:2000",
        ],
        ["tunnel access tcp"] = ["tunnel access tcp --hostname db.example.com --url 127.0.0.1:5432"],
        ["tunnel access ssh"] = ["ssh -o ProxyCommand=\"tunnel access ssh --hostname %h\" you@ssh.example.com"],
        ["tunnel access logout"] = ["tunnel access logout --hostname ssh.example.com"],
        ["tunnel access apps list"] = ["tunnel access apps list -o json"],
        ["tunnel access apps apply"] = ["tunnel access apps apply app.json"],
        ["tunnel access apps delete"] = ["tunnel access apps delete internal-wiki"],
        ["tunnel access service-tokens list"] = ["tunnel access service-tokens list"],
        ["tunnel access service-tokens create"] = ["tunnel access service-tokens create backup-job --expires-in-days 90"],
        ["tunnel access service-tokens revoke"] = ["tunnel access service-tokens revoke backup-job"],
        ["tunnel access idp set"] = ["tunnel access idp set --auth-hostname auth.example.com --authority https://login.example.com --client-id tunnel"],
        ["tunnel access sessions revoke"] = ["tunnel access sessions revoke alice@example.com"],
        ["tunnel ingress validate"] = ["tunnel ingress validate --config config.yml"],
        ["tunnel ingress rule"] = ["tunnel ingress rule https://app.example.com/api/users --config config.yml"],
        ["tunnel ingress set"] = ["tunnel ingress set web config.yml"],
        ["tunnel ingress show"] = ["tunnel ingress show web"],
        ["tunnel ingress local"] = ["tunnel ingress local web"],
        ["tunnel inspect"] =
        [
            "tunnel inspect web --enable --redact-field password",
            "tunnel inspect web --follow --status 5xx",
            "tunnel inspect web --show 42",
        ],
        ["tunnel replay"] = ["tunnel replay 42", "EDITOR=nano tunnel replay 42 --edit"],
        ["tunnel quick"] = ["tunnel quick --url http://localhost:3000", "tunnel quick --url http://localhost:8080 --ttl 2h --allow-domain example.com"],
        ["tunnel create"] = ["tunnel create web"],
        ["tunnel list"] = ["tunnel list --status down", "tunnel list --name web -o json"],
        ["tunnel info"] = ["tunnel info web"],
        ["tunnel rename"] = ["tunnel rename web web-prod"],
        ["tunnel rotate"] = ["tunnel rotate web"],
        ["tunnel delete"] = ["tunnel delete web"],
        ["tunnel token"] = ["tunnel token web"],
        ["tunnel route dns"] = ["tunnel route dns web app.example.com", "tunnel route dns web '*.dev.example.com'"],
        ["tunnel route delete"] = ["tunnel route delete app.example.com"],
        ["tunnel route list"] = ["tunnel route list --tunnel web"],
        ["tunnel connections"] = ["tunnel connections web"],
        ["tunnel edges"] = ["tunnel edges", "tunnel edges -o json"],
        ["tunnel audit"] = ["tunnel audit --tunnel web --limit 20"],
        ["tunnel tokens list"] = ["tunnel tokens list"],
        ["tunnel tokens create"] = ["tunnel tokens create ci-deploy --role admin --expires-in-days 30"],
        ["tunnel tokens revoke"] = ["tunnel tokens revoke ci-deploy"],
        ["tunnel users list"] = ["tunnel users list"],
        ["tunnel users role"] = ["tunnel users role alice@example.com admin"],
    };

    /// <summary>Appends each command's examples to its description (which help and docs/cli.md print).</summary>
    public static void AddTo(Command root)
    {
        foreach (var command in CliReference.Walk(root))
        {
            if (ByPath.TryGetValue(command.Path(), out var examples))
            {
                command.Description += "\n\nExamples:\n" + string.Join('\n', examples.Select(e => "  " + e));
            }
        }
    }
}
