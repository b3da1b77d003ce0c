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

    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "API token from the dashboard, or the bootstrap admin key [env TUNNEL_API_KEY]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("TUNNEL_API_KEY"),
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

    static CommonOptions() => Output.AcceptOnlyFromAmong("table", "json");

    public static ControlPlaneApiClient CreateClient(ParseResult parse) =>
        new(parse.GetValue(Api)!, parse.GetValue(ApiKey), parse.GetValue(ApiCa));
}
