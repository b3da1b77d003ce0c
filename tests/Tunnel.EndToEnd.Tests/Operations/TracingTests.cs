using System.Net;
using Xunit.Abstractions;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Tunnel.EndToEnd.Tests.Infrastructure;
using Tunnel.EndToEnd.Tests.Infrastructure.Otlp;

namespace Tunnel.EndToEnd.Tests.Operations;

/// <summary>A request followed end to end in the traces the services export over OTLP.</summary>
public class TracingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task One_trace_follows_a_request_from_the_client_through_edge_and_connector_to_the_origin()
    {
        await using var collector = new OtlpCollector();
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, s =>
        {
            foreach (var (key, value) in collector.Environment)
            {
                s.ServiceEnvironment[key] = value;
            }
        });
        var (_, hostname, token) = await stack.NewRoutedTunnelAsync();
        stack.StartConnector(token);

        // The client's own trace (a new one per attempt until the connector is up): every span below must join the
        // last one, and the origin must see its context.
        string traceId = "", clientSpanId = "";
        var response = await Eventually.Until(async () =>
        {
            traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            clientSpanId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            using var request = new HttpRequestMessage(HttpMethod.Get, stack.PublicUrl(hostname, "/headers"));
            request.Headers.Add("traceparent", $"00-{traceId}-{clientSpanId}-01");
            return await stack.Public.SendAsync(request);
        }, r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the first request served");
        var originHeaders = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>();
        var originParent = originHeaders!["traceparent"].Split('-');
        Assert.Equal(traceId, originParent[1]);

        List<CollectedSpan> spans;
        try
        {
            spans = await Eventually.Until(() => Task.FromResult(collector.Spans.Where(s => s.TraceId == traceId).ToList()),
                // Each span is exported when it ends, so in any order: wait for all three.
                s => s.Any(x => x.SpanId == originParent[2]) && s.Any(x => x.Service == "tunnel-connector") && s.Any(x => x.ParentSpanId == clientSpanId),
                TimeSpan.FromSeconds(15), "edge and connector spans exported");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nspans of trace {traceId} (origin saw {originHeaders["traceparent"]}):\n"
                + string.Join('\n', collector.Spans) + "\nconnector:\n" + string.Join('\n', stack.TrackedProcesses.SelectMany(c => c.Output.Split('\n')).TakeLast(20)));
        }

        var trace = string.Join('\n', spans);
        output.WriteLine($"client span {clientSpanId}; origin saw {originHeaders["traceparent"]}\n{trace}");

        // Edge: the server span under the client's, and the proxy's outgoing request whose id the origin received.
        var edgeServer = Assert.Single(spans, s => s.Service == "tunnel-edge" && s.ParentSpanId == clientSpanId);
        var edgeOutgoing = Assert.Single(spans, s => s.SpanId == originParent[2]);
        Assert.Equal("tunnel-edge", edgeOutgoing.Service);
        Assert.True(IsDescendant(spans, edgeOutgoing, edgeServer), trace);

        // Connector: dialing the origin for the stream this request opened, inside the edge's request.
        var stream = Assert.Single(spans, s => s.Service == "tunnel-connector" && s.Name == "tunnel.origin.dial");
        Assert.True(IsDescendant(spans, stream, edgeServer), trace);
    }

    private static bool IsDescendant(List<CollectedSpan> spans, CollectedSpan span, CollectedSpan ancestor)
    {
        for (var current = span; current is not null; current = spans.FirstOrDefault(s => s.SpanId == current.ParentSpanId))
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
