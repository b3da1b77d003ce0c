using System.CommandLine;
using System.Text;

namespace Tunnel.Connector.Cli;

/// <summary>
/// docs/cli.md, generated from the command tree (every command, its arguments and options with descriptions and
/// defaults), so the reference cannot drift from the code: `tunnel docs cli > docs/cli.md`; a test compares.
/// </summary>
public static class CliReference
{
    public const string RegenerateCommand = "dotnet run --project Connector -- docs cli > docs/cli.md";

    public static string Generate(RootCommand root)
    {
        // Defaults read from TUNNEL_* variables would make the file depend on who generates it: show the built-in ones.
        var variables = Walk(root).SelectMany(c => c.Options).Select(o => o.EnvironmentVariable()).OfType<string>().Distinct().ToList();
        var saved = variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            variables.ForEach(v => Environment.SetEnvironmentVariable(v, null));
            return Write(root);
        }
        finally
        {
            foreach (var (variable, value) in saved)
            {
                Environment.SetEnvironmentVariable(variable, value);
            }
        }
    }

    /// <summary>Every visible command, depth first, the root first.</summary>
    public static IEnumerable<Command> Walk(Command command)
    {
        yield return command;
        foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
        {
            foreach (var c in Walk(sub))
            {
                yield return c;
            }
        }
    }

    private static string Write(RootCommand root)
    {
        var md = new StringBuilder();
        md.Append("# `tunnel` command reference\n\n");
        md.Append($"Generated from the command tree; do not edit. Regenerate with `{RegenerateCommand}`.\n");
        md.Append("Options marked *everywhere* are accepted by every command.\n");
        foreach (var command in Walk(root))
        {
            var (summary, examples) = Split(command.Description ?? "");
            md.Append($"\n## {command.Path()}\n\n{summary}\n");
            if (command.Subcommands.Any(c => !c.Hidden))
            {
                md.Append("\n| command | what it does |\n| --- | --- |\n");
                foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
                {
                    md.Append($"| `{sub.Path()}` | {Cell(Split(sub.Description ?? "").Summary)} |\n");
                }
            }

            if (command.Arguments.Count > 0)
            {
                md.Append("\n| argument | description |\n| --- | --- |\n");
                foreach (var argument in command.Arguments)
                {
                    md.Append($"| `{argument.Name}` | {Cell(argument.Description ?? "")} |\n");
                }
            }

            var options = command.Options.Where(o => !o.Hidden && (command is RootCommand || !o.Recursive) && o.Name != "--help" && o.Name != "--version").ToList();
            if (options.Count > 0)
            {
                md.Append("\n| option | description | default |\n| --- | --- | --- |\n");
                foreach (var option in options)
                {
                    var names = string.Join(", ", new[] { option.Name }.Concat(option.Aliases.Order(StringComparer.Ordinal)).Select(n => $"`{n}`"));
                    var description = option.Recursive ? $"{option.Description} (*everywhere*)" : option.Description ?? "";
                    md.Append($"| {names}{(option.Required ? " (required)" : "")} | {Cell(description)} | {Cell(Default(option))} |\n");
                }
            }

            if (examples.Length > 0)
            {
                md.Append($"\nExamples:\n\n```sh\n{examples}\n```\n");
            }
        }

        return md.ToString();
    }

    /// <summary>A description's first part, and the lines of its "Examples:" section (without their indentation).</summary>
    public static (string Summary, string Examples) Split(string description)
    {
        var at = description.IndexOf("Examples:", StringComparison.Ordinal);
        if (at < 0)
        {
            return (description.Trim(), "");
        }

        var lines = description[(at + "Examples:".Length)..].Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);
        return (description[..at].Trim(), string.Join('\n', lines));
    }

    private static string Default(Option option)
    {
        if (!option.HasDefaultValue)
        {
            return "";
        }

        return option.GetDefaultValue() switch
        {
            null => "",
            bool b => b ? "true" : "false",
            var value => $"`{value}`",
        };
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
