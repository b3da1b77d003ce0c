namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The connector as it ships: one native (NativeAOT) binary, published once per test run with the README's command,
/// so what reflection or trimming breaks there fails a test rather than a user's first `tunnel run`.
/// </summary>
public static class NativeConnector
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    public static Task<string> PathAsync() => Published.Value;

    private static async Task<string> PublishAsync()
    {
        var output = Path.Combine(Binaries.RepoRoot, "Connector", "bin", "native");
        var (exit, log) = await TestProcess.RunAsync("dotnet",
            ["publish", Path.Combine(Binaries.RepoRoot, "Connector"), "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo", "-v", "quiet"],
            timeout: TimeSpan.FromMinutes(10));
        var binary = Path.Combine(output, "tunnel");
        return exit == 0 && File.Exists(binary) ? binary : throw new InvalidOperationException($"publishing the native connector failed ({exit}):\n{log}");
    }
}
