using System.CommandLine;

namespace Tunnel.Connector.Cli;

/// <summary>Options every management command takes, each with its environment variable.</summary>
public static class CommonOptions
{
    public static readonly Option<string> Api = new("--api")
    {
        Description = "Control plane URL [env TUNNEL_API]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TUNNEL_API") ?? "https://127.0.0.1:7800",
        Recursive = true,
    };

    // A secret: no DefaultValueFactory, so help does not print its value; CreateClient reads the environment.
    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "API token from the dashboard, or the bootstrap admin key [env TUNNEL_API_KEY]",
        Recursive = true,
    };

    public static readonly Option<string?> ApiCa = new("--api-ca")
    {
        Description = "PEM file of the CA that signed the control plane's certificate [env TUNNEL_API_CA]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TUNNEL_API_CA"),
        Recursive = true,
    };

    public static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "table (for people) or json (the API's own JSON, for scripts)",
        DefaultValueFactory = _ => "table",
        Recursive = true,
    };

    public static readonly Option<bool> Debug = new("--debug")
    {
        Description = "When a command fails, print the full error with its stack trace",
        Recursive = true,
    };

    static CommonOptions()
    {
        Output.AcceptOnlyFromAmong("table", "json");
        Api.MustBeUrl("https://controlplane.example.com", "https", "http");
        ApiCa.MustBeExistingFile("a PEM file with the control plane's CA certificate");
    }

    public static ControlPlaneApiClient CreateClient(ParseResult parse) =>
        new(parse.GetValue(Api)!, parse.GetValueOrEnvironment(ApiKey, "TUNNEL_API_KEY"), parse.GetValue(ApiCa));

    /// <summary>
    /// The option's value, or else the environment variable's. For secrets (tokens, keys, client secrets): a
    /// DefaultValueFactory would do the same, but `--help` prints default values, and so would print the secret.
    /// </summary>
    public static string? GetValueOrEnvironment(this ParseResult parse, Option<string?> option, string variable) =>
        parse.GetValue(option) ?? Environment.GetEnvironmentVariable(variable);
}
