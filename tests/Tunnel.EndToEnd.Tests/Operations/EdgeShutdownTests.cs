using System.Net;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Operations;

/// <summary>An edge asked to stop (SIGTERM, a rolling update) tells its connectors to move and lets requests finish.</summary>
public class EdgeShutdownTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_stopping_edge_finishes_requests_in_flight_tells_connectors_to_move_and_is_served_again_after_restart()
    {
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite);
        var (_, hostname, token) = await stack.NewRoutedTunnelAsync();
        var connector = stack.StartConnector(token);
        await stack.WaitServedAsync(hostname);

        var slow = stack.Public.GetAsync(stack.PublicUrl(hostname, "/slow/2000"));
        await Task.Delay(300); // in flight at the edge and through the tunnel
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await stack.Edge!.StopAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"the edge stopped in {watch.ElapsedMilliseconds} ms");

        using (var response = await slow)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{stack.Edge.Output}\n{connector.Output}");
            Assert.Equal("done", (await response.Content.ReadAsStringAsync()).Trim());
        }

        Assert.Equal(0, stack.Edge.ExitCode);
        Assert.Contains("asking 4 connector connections to move", stack.Edge.Output);
        await Eventually.Until(() => Task.FromResult(connector.Output), o => o.Contains("to move"), TimeSpan.FromSeconds(5), "the connector told to move");

        await stack.StartEdgeAsync();
        await stack.WaitServedAsync(hostname);
        Assert.False(connector.HasExited);
    }
}
