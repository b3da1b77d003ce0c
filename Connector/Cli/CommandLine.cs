using System.CommandLine;

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
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(Access.AccessCommands.Create());
        root.Subcommands.Add(IngressCommands.Create());
        foreach (var command in TunnelCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(RouteCommands.Create());
        root.Subcommands.Add(StatusCommands.Connections());
        root.Subcommands.Add(StatusCommands.Audit());
        root.Subcommands.Add(AccessControlCommands.Tokens());
        root.Subcommands.Add(AccessControlCommands.Users());
        return root;
    }

    public static async Task<int> InvokeAsync(string[] args)
    {
        try
        {
            // SIGTERM/Ctrl+C cancel the action's token; the connector then drains within its own --grace-period,
            // so System.CommandLine must not kill the process after its default 2 s.
            return await Build().Parse(args).InvokeAsync(new InvocationConfiguration
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
    }
}
