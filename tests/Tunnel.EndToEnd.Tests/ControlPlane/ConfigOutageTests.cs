using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>Config distribution through outages of the control plane and of Postgres; each test breaks a stack of its own.</summary>
public class ConfigOutageTests
{
    [Fact]
    public async Task Edges_serve_through_a_control_plane_restart_resubscribe_and_apply_changes_within_1_s()
    {
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite);
        var (name, hostname, token) = await stack.NewRoutedTunnelAsync();
        stack.StartConnector(token);
        await stack.WaitServedAsync(hostname);

        await stack.ControlPlane!.KillAsync();
        for (var i = 0; i < 20; i++)
        {
            using var during = await stack.Public.GetAsync(stack.PublicUrl(hostname, "/small"));
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        }

        await stack.StartControlPlaneAsync();
        // Resubscribed: a change made now reaches the edge.
        var probe = $"probe-{Guid.NewGuid():N}"[..14] + ".localhost";
        await stack.RouteAsync(name, probe);
        await Eventually.Until(() => stack.Public.GetAsync(stack.PublicUrl(probe, "/small")), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the edge resubscribed after the control plane restart");

        // And a change is applied within a second of the API accepting it.
        var next = $"next-{Guid.NewGuid():N}"[..13] + ".localhost";
        await stack.RouteAsync(name, next);
        var clock = Stopwatch.StartNew();
        await Eventually.Until(() => stack.Public.GetAsync(stack.PublicUrl(next, "/small")), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(5), "the new route at the edge");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the edge applied the change after {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Edges_serve_through_a_postgres_outage_the_api_says_so_and_everything_converges_after()
    {
        using var postgres = PostgresServer.StartDedicated();
        await using var stack = await TunnelStack.StartAsync(Store.Postgres, s => s.Postgres = postgres);
        var (name, hostname, token) = await stack.NewRoutedTunnelAsync();
        stack.StartConnector(token);
        await stack.WaitServedAsync(hostname);

        postgres.Pause();
        for (var i = 0; i < 20; i++)
        {
            using var during = await stack.Public.GetAsync(stack.PublicUrl(hostname, "/small"));
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        }

        var refused = await stack.Api.PostAsJsonAsync("api/tunnels", new { name = "during-outage" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("cannot reach its database", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await stack.Api.GetAsync("readyz")).StatusCode);

        postgres.Resume();
        await Eventually.Until(() => stack.Api.GetAsync("readyz"), r => r.IsSuccessStatusCode, TimeSpan.FromSeconds(30), "control plane ready again");
        var later = $"later-{Guid.NewGuid():N}"[..14] + ".localhost";
        await stack.RouteAsync(name, later);
        await stack.WaitServedAsync(later);
        await stack.WaitServedAsync(hostname);
    }
}
