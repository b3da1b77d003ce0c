using System.Net;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>Faults of the parts around the data path; each test has a stack of its own, since it breaks it.</summary>
public class EdgeOutageTests
{
    [Fact]
    public async Task An_edge_restarted_while_the_control_plane_is_down_serves_from_its_cached_config()
    {
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite);
        var (_, hostname, token) = await stack.NewRoutedTunnelAsync();
        stack.StartConnector(token);
        await stack.WaitServedAsync(hostname);

        await stack.ControlPlane!.KillAsync();
        await stack.Edge!.StopAsync(TimeSpan.FromSeconds(15));
        await stack.StartEdgeAsync();

        // The connector reconnects to the new edge, which knows the tunnel only from its disk cache.
        await stack.WaitServedAsync(hostname);
        using var response = await stack.Public.GetAsync(stack.PublicUrl(hostname, "/small"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("serving config version", stack.Edge.Output);

        // And once the control plane is back, the edge resubscribes and follows new changes.
        // The edge's retry is at most 5 s apart, plus its jitter: 20 s is room for that on a busy machine.
        await stack.StartControlPlaneAsync();
        var (_, second, token2) = await stack.NewRoutedTunnelAsync(learnWithin: TimeSpan.FromSeconds(20));
        stack.StartConnector(token2);
        await stack.WaitServedAsync(second);
    }
}
