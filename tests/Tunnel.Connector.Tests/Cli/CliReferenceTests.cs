using Tunnel.Connector.Cli;

namespace Tunnel.Connector.Tests.Cli;

/// <summary>docs/cli.md is what the command tree generates: a new option or command without regenerating fails here.</summary>
[Collection("Console")]
public class CliReferenceTests
{
    [Fact]
    public async Task Docs_cli_md_matches_the_command_tree()
    {
        var path = Path.Combine(RepoRoot(), "docs", "cli.md");
        var (code, generated, error) = await CliRunner.RunAsync("docs", "cli");
        Assert.True(code == 0, error);
        Assert.True(File.Exists(path) && File.ReadAllText(path) == generated,
            $"docs/cli.md is out of date with the command tree: regenerate it with `{CliReference.RegenerateCommand}`");
    }

    [Fact]
    public async Task The_reference_lists_every_command_with_its_options_and_defaults()
    {
        var (_, generated, _) = await CliRunner.RunAsync("docs", "cli");
        Assert.Contains("## tunnel access logout", generated);
        Assert.Contains("| `--grace-period` | When stopping, how long streams in flight may finish", generated);
        Assert.Contains("| `30s` |", generated);
        Assert.DoesNotContain("## tunnel docs", generated); // the generator itself is hidden
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tunnel.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Tunnel.sln not found above " + AppContext.BaseDirectory);
    }
}
