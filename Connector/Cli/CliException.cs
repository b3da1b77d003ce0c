namespace Tunnel.Connector.Cli;

/// <summary>An error to print as `error: MESSAGE` and exit with a non-zero code; the message says what to do next.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
