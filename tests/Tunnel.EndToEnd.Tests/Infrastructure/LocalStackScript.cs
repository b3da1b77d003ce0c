using System.Globalization;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// deploy/local/stack.sh run as a newcomer runs it, on ports and a data directory of its own, using the programs
/// these tests were built with; what it printed, and every process it started.
/// </summary>
public sealed class LocalStackScript : IAsyncDisposable
{
    private readonly TestProcess _script;
    private readonly HashSet<int> _seen = [];

    private LocalStackScript(TestProcess script, Dictionary<string, int> ports, string data)
    {
        _script = script;
        Ports = ports;
        DataDirectory = data;
    }

    public IReadOnlyDictionary<string, int> Ports { get; }
    public int HttpsPort => Ports["TUNNEL_HTTPS_PORT"];
    public string DataDirectory { get; }
    public string EdgeCa => Path.Combine(DataDirectory, "edge", "certs", "dev-ca.pem");
    public string Output => _script.Output;
    public int ScriptId => _script.Id;

    public static async Task<LocalStackScript> StartAsync(bool access = false)
    {
        var data = Path.Combine(Path.GetTempPath(), "tunnel-newcomer-" + Guid.NewGuid().ToString("N")[..8]);
        var ports = new[] { "TUNNEL_CP_PORT", "TUNNEL_HTTPS_PORT", "TUNNEL_CONNECTOR_PORT", "TUNNEL_MANAGEMENT_PORT", "TUNNEL_ORIGIN_PORT", "TUNNEL_OIDC_PORT" }
            .ToDictionary(name => name, _ => Infrastructure.Ports.Free());
        var env = ports.ToDictionary(p => p.Key, p => p.Value.ToString(CultureInfo.InvariantCulture));
        env["TUNNEL_DATA"] = data;
        env["TUNNEL_CONFIGURATION"] = Binaries.Configuration;
        env["TUNNEL_SKIP_BUILD"] = "1";
        if (access)
        {
            env["TUNNEL_ACCESS"] = "1";
            await DevOidcProvider.EnsureInstalledAsync(DevOidcProvider.Directory); // the script would, but without a lock
        }

        var script = TestProcess.Start("stack.sh", "bash", [Path.Combine(Binaries.RepoRoot, "deploy", "local", "stack.sh")], env);
        var stack = new LocalStackScript(script, ports, data);
        // Its last line: everything it prints is there once this is.
        for (var waited = TimeSpan.Zero; !script.Output.Contains("Ctrl+C stops the stack.", StringComparison.Ordinal); waited += TimeSpan.FromMilliseconds(200))
        {
            if (script.HasExited || waited > TimeSpan.FromSeconds(180))
            {
                var why = script.HasExited ? $"exited with {script.ExitCode}" : "did not say the tunnel is up within 180 s";
                await stack.DisposeAsync();
                throw new InvalidOperationException($"stack.sh {why}:\n{script.Output}");
            }

            stack.Descendants(); // remembered, to clean up after a failure
            await Task.Delay(200);
        }

        return stack;
    }

    /// <summary>The printed line that starts with the prefix (the prefix removed when asked).</summary>
    public string PrintedLine(string prefix, bool removePrefix = false)
    {
        var line = Output.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"stack.sh printed no line starting with '{prefix}':\n{Output}");
        return removePrefix ? line[prefix.Length..] : line;
    }

    /// <summary>Runs shell lines as someone who pasted them would, and returns what they printed.</summary>
    public static async Task<(int ExitCode, string Output)> ShellAsync(string lines)
    {
        await using var shell = TestProcess.Start("bash", "bash", ["-c", lines]);
        await shell.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (shell.ExitCode, shell.Output);
    }

    /// <summary>The script's processes and theirs (from /proc), at this moment.</summary>
    public IReadOnlyList<int> Descendants()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && ParentOf(pid) is { } parent)
            {
                parents[pid] = parent;
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([_script.Id]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var child in parents.Where(p => p.Value == parent).Select(p => p.Key))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        }

        lock (_seen)
        {
            _seen.UnionWith(found);
        }

        return found;
    }

    /// <summary>Alive: the process exists and is not a zombie waiting to be reaped.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "(gone)";
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>SIGTERM to the script alone, as `kill PID` does.</summary>
    public Task StopAsync() => _script.StopAsync(TimeSpan.FromSeconds(60));

    public bool HasExited => _script.HasExited;

    public async ValueTask DisposeAsync()
    {
        Descendants();
        await _script.DisposeAsync();
        foreach (var pid in _seen.Where(IsAlive))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // Gone meanwhile.
            }
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A log still being written by a process that is on its way out; the temp directory is cleaned anyway.
        }
    }
}
