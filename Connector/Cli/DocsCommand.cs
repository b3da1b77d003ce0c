using System.CommandLine;

namespace Tunnel.Connector.Cli;

/// <summary>`tunnel docs cli` (hidden): prints docs/cli.md from the command tree.</summary>
public static class DocsCommand
{
    public static Command Create()
    {
        var cli = new Command("cli", "Print the command reference (docs/cli.md) as Markdown");
        cli.SetAction(_ =>
        {
            Console.Write(CliReference.Generate(CommandLine.Build()));
            return 0;
        });
        return new Command("docs", "Generate documentation") { Hidden = true, Subcommands = { cli } };
    }
}
