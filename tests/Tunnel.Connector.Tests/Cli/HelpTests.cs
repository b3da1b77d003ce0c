using Tunnel.Connector.Cli;

namespace Tunnel.Connector.Tests.Cli;

/// <summary>`--help` of every command in the tree: no secret from the environment in it, and an example in every leaf's.</summary>
[Collection("Console")]
public class HelpTests : IDisposable
{
    private static readonly Dictionary<string, string> Secrets = new()
    {
        ["TUNNEL_API_KEY"] = "env-api-key-0c1d2e3f",
        ["TUNNEL_TOKEN"] = "env-tunnel-token-4a5b6c7d",
        ["TUNNEL_SERVICE_TOKEN_ID"] = "env-service-token-id-8e9f0a1b",
        ["TUNNEL_SERVICE_TOKEN_SECRET"] = "env-service-token-secret-2c3d4e5f",
        ["TUNNEL_IDP_CLIENT_SECRET"] = "env-idp-client-secret-6a7b8c9d",
    };

    private readonly Dictionary<string, string?> _saved = Secrets.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);

    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var command in CliReference.Walk(CommandLine.Build()))
        {
            data.Add(command.Path());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_hides_secrets_and_leaf_commands_show_an_example(string path)
    {
        foreach (var (name, value) in Secrets)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        var words = path.Split(' ').Skip(1).ToArray();
        var (code, output, error) = await CliRunner.RunAsync([.. words, "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("Usage:", output);
        foreach (var value in Secrets.Values)
        {
            Assert.DoesNotContain(value, output + error);
        }

        var isLeaf = !CliReference.Walk(CommandLine.Build()).Single(c => c.Path() == path).Subcommands.Any(c => !c.Hidden);
        if (isLeaf)
        {
            Assert.Contains("Examples:", output);
            Assert.Contains(path, output[output.IndexOf("Examples:", StringComparison.Ordinal)..]); // an example of this very command
        }
    }

    [Fact]
    public void The_walk_covers_the_whole_tree()
    {
        var paths = CliReference.Walk(CommandLine.Build()).Select(c => c.Path()).ToList();
        Assert.Contains("tunnel access service-tokens revoke", paths);
        Assert.Contains("tunnel access logout", paths);
        Assert.True(paths.Count > 40, $"only {paths.Count} commands");
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
