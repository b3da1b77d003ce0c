using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>
/// The native (NativeAOT) `tunnel` binary does what the JIT build does: the code paths that used reflection before
/// (its token, config.yml, the API's JSON) and the data path, end to end.
/// </summary>
public class NativeConnectorTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task The_native_connector_serves_http_and_tcp_services_from_its_config_file()
    {
        var tunnel = await NativeConnector.PathAsync();
        // Native, not an apphost in front of a managed tunnel.dll (what the same publish gives without PublishAot).
        Assert.False(File.Exists(Path.ChangeExtension(tunnel, ".dll")), "the published connector is not a native binary");
        await using var echo = new TcpEchoServer();
        var (name, web, token) = await Stack.NewRoutedTunnelAsync();
        var tcp = $"tcp-{web}";
        await Stack.RouteAsync(name, tcp);
        var config = Stack.TempPath($"{name}.yml");
        await File.WriteAllTextAsync(config, $"""
            originRequest:
              connectTimeout: 5s
            ingress:
              - hostname: {tcp}
                service: tcp://127.0.0.1:{echo.Port}
              - hostname: {web}
                service: http://127.0.0.1:{Stack.OriginPort}
              - service: http_status:404
            """);
        Stack.Track(TestProcess.Start("native-connector", tunnel, ["run", "--token", token, "--config", config, "--edge-ca", Stack.EdgeCa]));
        await Stack.WaitServedAsync(web);

        using (var small = await Stack.Public.GetAsync(Stack.PublicUrl(web, "/small")))
        {
            Assert.Equal(HttpStatusCode.OK, small.StatusCode);
            Assert.Equal("ok\n", await small.Content.ReadAsStringAsync());
        }

        // 8 MiB of the origin's pattern: many frames each way through the native data path.
        var body = await Stack.Public.GetByteArrayAsync(Stack.PublicUrl(web, "/bytes/8388608"));
        Assert.Equal(8388608, body.Length);
        Assert.True(body.Select((b, i) => b == (byte)(i % 251)).All(ok => ok), "the download's bytes differ from the origin's");

        // TCP through the native `tunnel access tcp` on the client side too.
        var localPort = Ports.Free();
        Stack.Track(TestProcess.Start("native-access", tunnel,
            ["access", "tcp", "--hostname", $"{tcp}:{Stack.PublicPort}", "--url", $"127.0.0.1:{localPort}", "--edge-ca", Stack.EdgeCa]));
        using var client = await Eventually.Until(async () =>
        {
            var c = new TcpClient();
            try
            {
                await c.ConnectAsync(IPAddress.Loopback, localPort);
                return c;
            }
            catch (SocketException)
            {
                c.Dispose();
                return null;
            }
        }, c => c is not null, TimeSpan.FromSeconds(20), "native access listener up");
        var stream = client!.GetStream();
        var message = Encoding.ASCII.GetBytes("hello through the native binary\n");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.WriteAsync(message, timeout.Token);
        var answer = new byte[message.Length];
        await stream.ReadExactlyAsync(answer, timeout.Token);
        Assert.Equal(message, answer);
    }

    [Fact]
    public async Task The_native_cli_manages_tunnels_and_refuses_a_misspelt_config_key()
    {
        var tunnel = await NativeConnector.PathAsync();
        var env = Stack.CliEnvironment(Stack.AdminKey);
        var name = $"native-{Guid.NewGuid():N}"[..20];

        var (created, createdOutput) = await TestProcess.RunAsync(tunnel, ["create", name], env);
        Assert.True(created == 0, createdOutput);
        var (routed, routedOutput) = await TestProcess.RunAsync(tunnel, ["route", "dns", name, $"{name}.localhost"], env);
        Assert.True(routed == 0, routedOutput);

        var (listed, json) = await TestProcess.RunAsync(tunnel, ["list", "-o", "json"], env);
        Assert.True(listed == 0, json);
        var row = JsonDocument.Parse(json).RootElement.EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
        Assert.Contains($"{name}.localhost", row.GetProperty("hostnames").EnumerateArray().Select(h => h.GetString()));

        // Rules managed in the control plane: written by the native CLI (source-generated JSON), read back.
        var rules = Stack.TempPath($"{name}.yml");
        await File.WriteAllTextAsync(rules, $"ingress:\n  - hostname: {name}.localhost\n    service: http://127.0.0.1:{Stack.OriginPort}\n    originRequest:\n      connectTimeout: 7s\n  - service: http_status:404\n");
        var (set, setOutput) = await TestProcess.RunAsync(tunnel, ["ingress", "set", name, rules, "--wait", "1s"], env);
        Assert.True(set == 0, setOutput);
        var (shown, shownJson) = await TestProcess.RunAsync(tunnel, ["ingress", "show", name, "-o", "json"], env);
        Assert.True(shown == 0, shownJson);
        Assert.Contains("\"connectTimeout\": \"7s\"", shownJson);

        var bad = Stack.TempPath($"{name}-bad.yml");
        await File.WriteAllTextAsync(bad, "ingress:\n  - hostnme: a.localhost\n    service: http://127.0.0.1:1\n  - service: http_status:404\n");
        var (refused, refusal) = await TestProcess.RunAsync(tunnel, ["ingress", "validate", "--config", bad], env);
        Assert.Equal(2, refused);
        Assert.Contains("line 2, column 5: unknown key 'hostnme'", refusal);

        var (wrongKey, wrongKeyOutput) = await TestProcess.RunAsync(tunnel, ["list"], Stack.CliEnvironment("not-a-key"));
        Assert.NotEqual(0, wrongKey);
        Assert.DoesNotContain("Exception", wrongKeyOutput);
    }
}
