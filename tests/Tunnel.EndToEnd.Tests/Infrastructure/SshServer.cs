using System.Diagnostics;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>A real OpenSSH server on a loopback port with a throwaway host key and client key.</summary>
public sealed class SshServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private SshServer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public static async Task<SshServer> StartAsync(string dir)
    {
        if (!File.Exists("/usr/sbin/sshd"))
        {
            throw new InvalidOperationException("OpenSSH server not installed: install openssh-server (.ci/run does)");
        }

        Directory.CreateDirectory(dir);
        Directory.CreateDirectory("/run/sshd");
        await RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(dir, "host_key")]);
        await RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(dir, "client_key")]);
        File.Copy(Path.Combine(dir, "client_key.pub"), Path.Combine(dir, "authorized_keys"));
        var port = Ports.Free();
        await File.WriteAllTextAsync(Path.Combine(dir, "sshd_config"), $"""
            ListenAddress 127.0.0.1
            Port {port}
            HostKey {dir}/host_key
            AuthorizedKeysFile {dir}/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            StrictModes no
            PidFile {dir}/sshd.pid
            """);
        var process = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", Path.Combine(dir, "sshd_config")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var server = new SshServer(process, dir, port);
        await Eventually.Until(async () =>
        {
            using var probe = new System.Net.Sockets.TcpClient();
            await probe.ConnectAsync("127.0.0.1", port);
            return true;
        }, ok => ok, TimeSpan.FromSeconds(10), "sshd listening");
        return server;
    }

    /// <summary>Runs `ssh` with the given ProxyCommand and remote command; returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunClientAsync(string proxyCommand, string hostname, string command)
    {
        var user = Environment.UserName;
        return await RunAsync("ssh",
        [
            "-o", $"ProxyCommand={proxyCommand}", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=20", "-i", Path.Combine(_dir, "client_key"), $"{user}@{hostname}", command,
        ], check: false);
    }

    private static async Task<(int, string)> RunAsync(string file, string[] args, bool check = true)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed: {output}");
        }

        return (p.ExitCode, output);
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
