using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>
/// `tunnel run` pointed at the wrong place says so in plain words: nothing listening, a port that is not an edge's
/// connector port, an edge certificate it does not trust (which waiting cannot fix: it exits).
/// </summary>
public class EdgeAddressErrorTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private TestProcess Run(string token, params string[] args) =>
        Stack.Track(TestProcess.StartDotnet("connector", Binaries.Connector,
            ["run", "--token", token, "--url", $"http://127.0.0.1:{Stack.OriginPort}", "--ha-connections", "1", .. args]));

    private static Task WaitForOutputAsync(TestProcess process, string text) =>
        Eventually.Until(() => Task.FromResult(process.Output), o => o.Contains(text, StringComparison.Ordinal), TimeSpan.FromSeconds(20),
            $"'{text}' in the connector's output");

    [Fact]
    public async Task A_port_where_nothing_listens_is_named_and_retried()
    {
        var (_, _, token) = await Stack.NewRoutedTunnelAsync();
        var port = Ports.Free();
        var connector = Run(token, "--edge-ca", Stack.EdgeCa, "--edge", $"https://127.0.0.1:{port}");
        await WaitForOutputAsync(connector, $"nothing is listening at 127.0.0.1:{port}");
        Assert.False(connector.HasExited); // an edge may come up there
        Assert.DoesNotContain("Unavailable", connector.Output);
    }

    [Theory]
    [InlineData("public")]
    [InlineData("origin")]
    public async Task A_port_that_is_not_an_edges_connector_port_is_named(string which)
    {
        var (_, _, token) = await Stack.NewRoutedTunnelAsync();
        var address = which == "public" ? $"https://localhost:{Stack.PublicPort}" : $"https://127.0.0.1:{Stack.OriginPort}";
        var connector = Run(token, "--edge-ca", Stack.EdgeCa, "--edge", address);
        await WaitForOutputAsync(connector, "is not an edge's connector port");
        Assert.DoesNotContain("StatusCode", connector.Output);
    }

    [Fact]
    public async Task An_untrusted_edge_certificate_exits_saying_to_pass_edge_ca()
    {
        var (_, _, token) = await Stack.NewRoutedTunnelAsync();
        var connector = Run(token); // the stack's edge has a private CA, and no --edge-ca here
        await connector.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, connector.ExitCode);
        Assert.Contains("the edge's certificate at localhost:", connector.Output);
        Assert.Contains("is not trusted: pass --edge-ca", connector.Output);
        Assert.DoesNotContain("PartialChain", connector.Output);
        Assert.DoesNotContain("UntrustedRoot", connector.Output);
    }
}
