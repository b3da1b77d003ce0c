using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>TCP services (tcp://, ssh://) reached with `tunnel access`, against real servers on loopback.</summary>
public class TcpServiceTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    /// <summary>A tunnel whose hostname serves <paramref name="service"/>, once the edge routes it (a plain GET gets the 400 hint).</summary>
    private async Task<string> RouteTcpServiceAsync(string service)
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var config = Stack.TempPath($"{name}.yml");
        await File.WriteAllTextAsync(config, $"ingress:\n  - hostname: {hostname}\n    service: {service}\n  - service: http_status:404\n");
        Stack.StartConnector(token, "--config", config);
        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname)), r => r.StatusCode == HttpStatusCode.BadRequest,
            TimeSpan.FromSeconds(20), "TCP service routed");
        return hostname;
    }

    /// <summary>The service behind a hostname, and a `tunnel access tcp` listener for it.</summary>
    private async Task<(string Hostname, int LocalPort)> ExposeAsync(string service)
    {
        var hostname = await RouteTcpServiceAsync(service);
        var localPort = Ports.Free();
        Stack.Track(TestProcess.StartDotnet("access", Binaries.Connector,
            ["access", "tcp", "--hostname", $"{hostname}:{Stack.PublicPort}", "--url", $"127.0.0.1:{localPort}",
             "--edge-address", $"127.0.0.1:{Stack.PublicPort}", "--edge-ca", Stack.EdgeCa]));
        await Eventually.Until(async () =>
        {
            using var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, localPort);
            return true;
        }, ok => ok, TimeSpan.FromSeconds(20), "access listener up");
        return (hostname, localPort);
    }

    [Fact]
    public async Task A_localhost_hostname_is_reached_without_edge_address()
    {
        // RFC 6761: *.localhost is this machine; the system resolver may not say so, `tunnel access` does.
        await using var echo = new TcpEchoServer();
        var hostname = await RouteTcpServiceAsync($"tcp://127.0.0.1:{echo.Port}");
        var localPort = Ports.Free();
        var access = Stack.Track(TestProcess.StartDotnet("access", Binaries.Connector,
            ["access", "tcp", "--hostname", $"{hostname}:{Stack.PublicPort}", "--url", $"127.0.0.1:{localPort}", "--edge-ca", Stack.EdgeCa]));
        await Eventually.Until(async () =>
        {
            using var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, localPort);
            return true;
        }, ok => ok, TimeSpan.FromSeconds(20), "access listener up");

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, localPort);
        var stream = client.GetStream();
        await stream.WriteAsync("ping\n"u8.ToArray());
        var buffer = new byte[5];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        Assert.True("ping\n"u8.SequenceEqual(buffer), access.Output);
    }

    [Fact]
    public async Task A_browser_reaching_a_tcp_hostname_is_told_how_to_connect()
    {
        await using var echo = new TcpEchoServer();
        var (hostname, _) = await ExposeAsync($"tcp://127.0.0.1:{echo.Port}");
        var page = await (await Stack.Public.GetAsync(Stack.PublicUrl(hostname))).Content.ReadAsStringAsync();
        Assert.Contains("tunnel access tcp --hostname", page);
    }

    [Fact]
    public async Task One_hundred_mebibytes_echo_back_byte_exact()
    {
        await using var echo = new TcpEchoServer();
        var (_, localPort) = await ExposeAsync($"tcp://127.0.0.1:{echo.Port}");

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, localPort);
        var stream = client.GetStream();
        const int total = 100 * 1024 * 1024;
        using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var writer = Task.Run(async () =>
        {
            var chunk = new byte[256 * 1024];
            for (var sent = 0; sent < total; sent += chunk.Length)
            {
                RandomNumberGenerator.Fill(chunk);
                sentHash.AppendData(chunk);
                await stream.WriteAsync(chunk);
            }
        });
        var buffer = new byte[256 * 1024];
        for (var received = 0; received < total;)
        {
            var n = await stream.ReadAsync(buffer);
            Assert.True(n > 0, $"stream ended after {received} bytes");
            receivedHash.AppendData(buffer, 0, n);
            received += n;
        }

        await writer;
        Assert.Equal(sentHash.GetHashAndReset(), receivedHash.GetHashAndReset());
    }

    [Fact]
    public async Task Fifty_concurrent_sessions_each_get_their_own_bytes_back()
    {
        await using var echo = new TcpEchoServer();
        var (_, localPort) = await ExposeAsync($"tcp://127.0.0.1:{echo.Port}");
        await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, localPort);
            var stream = client.GetStream();
            var payload = RandomNumberGenerator.GetBytes(64 * 1024);
            await stream.WriteAsync(payload);
            var back = new byte[payload.Length];
            await stream.ReadExactlyAsync(back);
            Assert.Equal(payload, back);
        }));
    }

    [Fact]
    public async Task A_real_ssh_client_runs_a_command_through_the_tunnel()
    {
        await using var sshd = await SshServer.StartAsync(Stack.TempPath($"sshd-{Guid.NewGuid():N}"));
        var hostname = await RouteTcpServiceAsync($"ssh://127.0.0.1:{sshd.Port}");

        var proxy = $"dotnet {Binaries.Connector} access ssh --hostname {hostname}:{Stack.PublicPort} --edge-address 127.0.0.1:{Stack.PublicPort} --edge-ca {Stack.EdgeCa}";
        var (code, output) = await sshd.RunClientAsync(proxy, hostname, "echo hello-through-the-tunnel && whoami");
        Assert.True(code == 0, output);
        Assert.Contains("hello-through-the-tunnel", output);
    }

    [Fact]
    public async Task An_unreachable_tcp_service_makes_access_ssh_say_why_and_exit_non_zero()
    {
        var deadPort = Ports.Free();
        var hostname = await RouteTcpServiceAsync($"tcp://127.0.0.1:{deadPort}");

        var (code, output) = await TestProcess.RunDotnetAsync(Binaries.Connector,
            ["access", "ssh", "--hostname", $"{hostname}:{Stack.PublicPort}", "--edge-address", $"127.0.0.1:{Stack.PublicPort}", "--edge-ca", Stack.EdgeCa]);
        Assert.NotEqual(0, code);
        Assert.Contains("could not be reached", output);
        Assert.DoesNotContain($"127.0.0.1:{deadPort}", output); // the origin's address stays in the edge's log
        Assert.Contains($"connection refused by tcp://127.0.0.1:{deadPort}", Stack.Edge!.Output);
    }
}
