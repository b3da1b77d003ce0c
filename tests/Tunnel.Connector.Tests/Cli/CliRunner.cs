using Tunnel.Connector.Cli;

namespace Tunnel.Connector.Tests.Cli;

/// <summary>Runs the real `tunnel` command line in-process with stdout and stderr captured (tests in the "Console" collection).</summary>
internal static class CliRunner
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        Console.SetOut(outWriter);
        Console.SetError(errWriter);
        try
        {
            var code = await CommandLine.InvokeAsync(args);
            return (code, outWriter.ToString(), errWriter.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
