using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>
/// The traffic charts: requests through two edges add up in the control plane, errors land in their series, and the
/// dashboard shows them (Chromium) without a reload.
/// </summary>
public sealed class TrafficTests : IAsyncLifetime
{
    private TunnelStack _stack = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _stack = await TunnelStack.StartAsync(Store.Sqlite);
        (_playwright, _browser) = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _stack.DisposeAsync();
    }

    private async Task<JsonElement> TotalAsync(string tunnel) =>
        (await _stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{tunnel}/traffic?range=1h")).GetProperty("total");

    /// <summary>The tunnel's request total once no report is on its way: the same over a whole report period and more.</summary>
    private async Task<long> SettledRequestsAsync(string tunnel)
    {
        var last = -1L;
        while (true)
        {
            var now = (await TotalAsync(tunnel)).GetProperty("requests").GetInt64();
            if (now == last)
            {
                return now;
            }

            last = now;
            await Task.Delay(TimeSpan.FromSeconds(6)); // longer than the edges' report period (5 s): no condition to wait on
        }
    }

    [Fact]
    public async Task Requests_through_two_edges_add_up_in_the_charts_and_errors_land_in_their_series()
    {
        var (name, hostname, token) = await _stack.NewRoutedTunnelAsync();
        var connector = _stack.StartConnector(token);
        await _stack.WaitServedAsync(hostname);
        var edgeB = await _stack.AddEdgeAsync("edge-b");
        using var viaB = _stack.PublicClient(_stack.EdgeCa);
        await Eventually.Until(() => viaB.GetAsync(new Uri($"https://{hostname}:{edgeB.PublicPort}/small")), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), "edge B serving the tunnel");
        var before = await SettledRequestsAsync(name); // the waits' own requests, once every edge has reported them

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _stack.Public.GetAsync(_stack.PublicUrl(hostname, "/small"))).StatusCode);
        }

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await viaB.GetAsync(new Uri($"https://{hostname}:{edgeB.PublicPort}/bytes/1000"))).StatusCode);
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _stack.Public.GetAsync(_stack.PublicUrl(hostname, "/no-such-page"))).StatusCode);
        }

        // Within seconds (edges report every 5 s), both edges' requests in one total: 55 more.
        var total = await Eventually.Until(() => TotalAsync(name), t => t.GetProperty("requests").GetInt64() >= before + 55,
            TimeSpan.FromSeconds(20), "both edges' requests in the control plane");
        Assert.Equal(before + 55, total.GetProperty("requests").GetInt64());
        Assert.Equal(5, total.GetProperty("status4xx").GetInt64());
        Assert.True(total.GetProperty("bytesOut").GetInt64() >= 20 * 1000, total.ToString());
        Assert.True(total.GetProperty("p95").GetDouble() > 0, total.ToString());

        // The dashboard: the totals and the charts fill in by themselves, and the overview's sparkline.
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await DashboardSession.SignInAsync(page, _stack, _stack.AdminKey);
        await page.Locator($"svg[data-sparkline][data-total='{before + 55}']").WaitForAsync();
        await page.GotoAsync(new Uri(_stack.Api.BaseAddress!, $"tunnels/{name}").AbsoluteUri);
        await page.Locator("#traffic-total-requests").Filter(new() { HasTextString = (before + 55).ToString() }).WaitForAsync();
        Assert.Equal("5", await page.InnerTextAsync("#traffic-total-4xx"));
        Assert.Equal(1, await page.Locator("#chart-requests canvas").CountAsync());
        Assert.Equal(1, await page.Locator("#chart-latency canvas").CountAsync());
        Assert.Contains(hostname, await page.InnerTextAsync("#traffic-hostname"));

        // With the connector gone, requests are the edge's own 503s: the no-connector series, live on the page.
        await connector.KillAsync();
        await Eventually.Until(() => _stack.Public.GetAsync(_stack.PublicUrl(hostname, "/small")), r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(15), "the tunnel offline");
        var offline = await Eventually.Until(() => TotalAsync(name), t => t.GetProperty("noConnector").GetInt64() >= 1, TimeSpan.FromSeconds(20), "the 503s reported");
        await page.Locator("#traffic-total-no-connector").Filter(new() { HasTextString = offline.GetProperty("noConnector").GetInt64().ToString() }).WaitForAsync();

        // Visitors cannot grow the table: names under a wildcard route count against the wildcard, unknown names nowhere.
        var wild = $"*.w{hostname}";
        (await _stack.Api.PostAsJsonAsync($"api/tunnels/{name}/hostnames", new { hostname = wild })).EnsureSuccessStatusCode();
        connector = _stack.StartConnector(token);
        await _stack.WaitServedAsync(hostname);
        await Eventually.Until(() => _stack.Public.GetAsync(_stack.PublicUrl($"a.w{hostname}", "/small")), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), "the wildcard served");
        for (var i = 0; i < 5; i++)
        {
            await _stack.Public.GetAsync(_stack.PublicUrl($"{Guid.NewGuid():N}.w{hostname}", "/small"));
            await _stack.Public.GetAsync(_stack.PublicUrl($"{Guid.NewGuid():N}.nowhere.localhost", "/small"));
        }

        var names = await Eventually.Until(() => _stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}/traffic"),
            t => t.GetProperty("hostnames").EnumerateArray().Any(h => h.GetString() == wild), TimeSpan.FromSeconds(20), "the wildcard's traffic reported");
        Assert.Equal(new[] { hostname, wild }.Order(StringComparer.Ordinal), names.GetProperty("hostnames").EnumerateArray().Select(h => h.GetString()!));

        // A WebSocket session's bytes count each way (they never pass through a response body), on a name of their own.
        var sessions = $"ws-{hostname}";
        await _stack.RouteAsync(name, sessions);
        await _stack.WaitServedAsync(sessions);
        using (var socket = new System.Net.WebSockets.ClientWebSocket())
        using (var invoker = new HttpMessageInvoker(_stack.PublicHandler()))
        {
            await socket.ConnectAsync(new Uri($"wss://{sessions}:{_stack.PublicPort}/ws"), invoker, CancellationToken.None);
            var message = new byte[1000];
            var buffer = new byte[4096];
            for (var i = 0; i < 20; i++)
            {
                await socket.SendAsync(message, System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);
                var received = 0;
                while (received < message.Length)
                {
                    received += (await socket.ReceiveAsync(buffer, CancellationToken.None)).Count;
                }
            }

            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        var session = await Eventually.Until(
            async () => (await _stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}/traffic?range=1h&hostname={sessions}")).GetProperty("total"),
            t => t.GetProperty("bytesIn").GetInt64() >= 20 * 1000 && t.GetProperty("bytesOut").GetInt64() >= 20 * 1000,
            TimeSpan.FromSeconds(20), "the WebSocket session's bytes each way");
        Assert.True(session.GetProperty("bytesIn").GetInt64() < 40 * 1000, session.ToString()); // framing, not double counting

        // Bad input is named.
        var badRange = await _stack.Api.GetAsync($"api/tunnels/{name}/traffic?range=7d");
        Assert.Equal(HttpStatusCode.BadRequest, badRange.StatusCode);
        Assert.Contains("range '7d' is not one of: 1h, 24h", await badRange.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _stack.Api.GetAsync("api/tunnels/no-such-tunnel/traffic")).StatusCode);
    }
}
