using System.CommandLine;
using System.CommandLine.Invocation;

namespace Tunnel.Connector.Cli;

/// <summary>The `tunnel` command tree.</summary>
public static class CommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Tunnel: expose private services through an edge over outbound-only connections");
        root.Options.Add(CommonOptions.Api);
        root.Options.Add(CommonOptions.ApiKey);
        root.Options.Add(CommonOptions.ApiCa);
        root.Options.Add(CommonOptions.Output);
        root.Options.Add(CommonOptions.Debug);
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(QuickCommand.Create());
        root.Subcommands.Add(Access.AccessCommands.Create());
        root.Subcommands.Add(IngressCommands.Create());
        foreach (var command in TunnelCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(RouteCommands.Create());
        root.Subcommands.Add(InspectCommands.Inspect());
        root.Subcommands.Add(InspectCommands.Replay());
        root.Subcommands.Add(StatusCommands.Connections());
        root.Subcommands.Add(StatusCommands.Edges());
        root.Subcommands.Add(StatusCommands.Audit());
        root.Subcommands.Add(AccessControlCommands.Tokens());
        root.Subcommands.Add(AccessControlCommands.Users());
        root.Subcommands.Add(DocsCommand.Create());
        CommandExamples.AddTo(root);
        return root;
    }

    public static async Task<int> InvokeAsync(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // One line per mistake, the last saying where to read more, instead of the whole help after each error.
            for (var i = 0; i < parse.Errors.Count; i++)
            {
                var hint = i == parse.Errors.Count - 1 ? $" (see `{parse.CommandResult.Command.Path()} --help`)" : "";
                Console.Error.WriteLine($"error: {parse.Errors[i].Message}{hint}");
            }

            return 2;
        }

        try
        {
            // SIGTERM/Ctrl+C cancel the action's token; the connector then drains within its own --grace-period,
            // so System.CommandLine must not kill the process after its default 2 s.
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TimeSpan.FromHours(1),
            });
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception ex)
        {
            // Whatever was not foreseen still ends in one line; the trace is there for whoever asks.
            Console.Error.WriteLine($"error: {ex.GetBaseException().Message}");
            Console.Error.WriteLine(parse.GetValue(CommonOptions.Debug) ? ex.ToString() : "(run again with --debug for the details)");
            return 1;
        }
    }

    /// <summary>"tunnel access tcp": how the user typed the command, for pointers to its help.</summary>
    public static string Path(this Command command) =>
        command.Parents.OfType<Command>().FirstOrDefault() is { } parent and not RootCommand ? $"{parent.Path()} {command.Name}" : command is RootCommand ? "tunnel" : $"tunnel {command.Name}";
}
