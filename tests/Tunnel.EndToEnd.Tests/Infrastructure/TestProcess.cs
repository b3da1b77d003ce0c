using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>One of our programs running as a real process, with its output kept for assertions and failure messages.</summary>
public sealed partial class TestProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private TestProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Output => string.Join('\n', _output);

    public static TestProcess StartDotnet(string name, string dll, IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        Start(name, "dotnet", [dll, .. args], env);

    public static TestProcess Start(string name, string file, IEnumerable<string> args, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var test = new TestProcess(name, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) test._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) test._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return test;
    }

    /// <summary>Runs a command to completion (a CLI call) and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunDotnetAsync(string dll, IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null) =>
        RunAsync("dotnet", [dll, .. args], env, timeout, Path.GetFileNameWithoutExtension(dll));

    public static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, TimeSpan? timeout = null, string? name = null)
    {
        await using var p = Start(name ?? Path.GetFileName(file), file, args, env);
        await p.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(60));
        return (p.ExitCode, p.Output);
    }

    public async Task WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}. Output:\n{Output}");
        }

        _process.WaitForExit(); // flushes the output handlers
    }

    /// <summary>The process's peak resident memory (VmHWM), from /proc.</summary>
    public long PeakRssBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    /// <summary>SIGKILL: the process dies without a chance to say goodbye, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM: a graceful stop, as systemd or Kubernetes would ask (2: SIGINT, Ctrl+C in a terminal).</summary>
    public async Task StopAsync(TimeSpan timeout, int signal = 15)
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = Kill(_process.Id, signal);
        try
        {
            await WaitForExitAsync(timeout);
        }
        catch (TimeoutException)
        {
            await KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
