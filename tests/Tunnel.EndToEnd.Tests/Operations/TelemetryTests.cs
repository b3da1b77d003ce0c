using System.Globalization;
using System.Net;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Operations;

/// <summary>The metrics an operator scrapes, read after real traffic.</summary>
public class TelemetryTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private async Task<string> ScrapeAsync()
    {
        using var client = new HttpClient();
        return await client.GetStringAsync($"http://127.0.0.1:{Stack.ManagementPort}/metrics");
    }

    /// <summary>The sum of a metric's samples whose line contains every one of <paramref name="labels"/>.</summary>
    private static double Sum(string scrape, string metric, params string[] labels) =>
        scrape.Split('\n')
            .Where(l => l.StartsWith(metric, StringComparison.Ordinal) && (l.Length > metric.Length && l[metric.Length] is '{' or ' ')
                && labels.All(label => l.Contains(label, StringComparison.Ordinal)))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    [Fact]
    public async Task The_edge_metrics_endpoint_counts_requests_streams_bytes_and_connections()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
        var before = await ScrapeAsync();

        for (var i = 0; i < 10; i++)
        {
            using var response = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/bytes/100000"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var after = await Eventually.Until(ScrapeAsync,
            s => Sum(s, "tunnel_edge_stream_bytes_total", "from_origin") - Sum(before, "tunnel_edge_stream_bytes_total", "from_origin") >= 1_000_000,
            TimeSpan.FromSeconds(10), "bytes from the origin counted");
        Assert.True(Sum(after, "http_server_request_duration_seconds_count", "http_response_status_code=\"200\"")
            - Sum(before, "http_server_request_duration_seconds_count", "http_response_status_code=\"200\"") >= 10, after);
        Assert.True(Sum(after, "tunnel_edge_stream_opens_total", "result=\"ok\"") >= 1, after);
        Assert.True(Sum(after, "tunnel_edge_connector_connections") >= 4, after);
        Assert.True(Sum(after, "tunnel_edge_config_version") >= 1, after);
        // Not collected: Kestrel's memory-pool meter records every 4 KiB block rented, 5% of the edge's CPU on a download.
        Assert.DoesNotContain("aspnetcore_memory_pool", after);

        // The metrics are the operator's, on the management port only: on a public hostname /metrics is the origin's.
        using var publicMetrics = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/metrics"));
        Assert.DoesNotContain("tunnel_edge", await publicMetrics.Content.ReadAsStringAsync());
        // Nor with a Host header naming the management port: the port the connection came in on decides.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, Stack.PublicUrl(hostname, "/metrics"));
        spoofed.Headers.Host = $"{hostname}:{Stack.ManagementPort}";
        using var spoofedMetrics = await Stack.Public.SendAsync(spoofed);
        Assert.DoesNotContain("tunnel_edge", await spoofedMetrics.Content.ReadAsStringAsync());
        // And probes that send a bare Host (curl -H 'Host: localhost', Kubernetes) still reach the management port.
        using var probe = new HttpClient();
        using var bare = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Stack.ManagementPort}/readyz");
        bare.Headers.Host = "localhost";
        Assert.Equal(HttpStatusCode.OK, (await probe.SendAsync(bare)).StatusCode);
    }

    [Fact]
    public async Task The_connector_serves_health_readiness_and_metrics_on_its_metrics_address()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var port = Ports.Free();
        Stack.StartConnector(token, "--metrics", $"127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await Eventually.Until(async () => (await client.GetAsync("readyz")).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "connector ready");
        await Stack.WaitServedAsync(hostname);
        using (var download = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/bytes/100000")))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        }

        var scrape = await client.GetStringAsync("metrics");
        Assert.Equal(4, Sum(scrape, "tunnel_connector_connections"));
        Assert.True(Sum(scrape, "tunnel_connector_active_streams") >= 1, scrape); // the proxy keeps its upstream connection alive
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("healthz")).StatusCode);
    }

    [Fact]
    public async Task A_connector_that_cannot_reach_its_edge_is_alive_but_not_ready()
    {
        var (_, _, token) = await Stack.NewRoutedTunnelAsync();
        var port = Ports.Free();
        Stack.StartConnector(token, "--metrics", $"127.0.0.1:{port}", "--edge", $"https://127.0.0.1:{Ports.Free()}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await Eventually.Until(async () => (await client.GetAsync("healthz")).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "connector alive");
        var ready = await client.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Fact]
    public async Task A_bad_metrics_address_is_refused_before_connecting()
    {
        var (_, _, token) = await Stack.NewRoutedTunnelAsync();
        var (exit, output) = await TestProcess.RunDotnetAsync(Binaries.Connector, ["run", "--token", token, "--url", "http://127.0.0.1:1", "--metrics", "not an address"]);
        Assert.Equal(2, exit);
        Assert.Contains("--metrics 'not an address' is not an address", output);
    }
}
