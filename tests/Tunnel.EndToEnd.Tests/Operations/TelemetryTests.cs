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

        // The metrics are the operator's, on the management port only: on a public hostname /metrics is the origin's.
        using var publicMetrics = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/metrics"));
        Assert.DoesNotContain("tunnel_edge", await publicMetrics.Content.ReadAsStringAsync());
    }
}
