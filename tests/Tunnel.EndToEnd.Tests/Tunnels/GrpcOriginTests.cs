using Grpc.Core;
using Grpc.Net.Client;
using Tunnel.DemoOrigin.Grpc;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>A gRPC origin behind an h2c:// rule: every call shape, status codes and trailers intact.</summary>
public class GrpcOriginTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task Unary_streaming_and_bidirectional_calls_keep_their_status_and_trailers()
    {
        var port = Ports.Free();
        await using var origin = TestProcess.StartDotnet("grpc-origin", Binaries.DemoOrigin,
            ["--urls", $"http://127.0.0.1:{port}", "--Kestrel:EndpointDefaults:Protocols=Http2"]);
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var config = Stack.TempPath($"{name}.yml");
        await File.WriteAllTextAsync(config, $"ingress:\n  - hostname: {hostname}\n    service: h2c://127.0.0.1:{port}\n  - service: http_status:404\n");
        Stack.StartConnector(token, "--config", config);

        using var channel = GrpcChannel.ForAddress($"https://{hostname}:{Stack.PublicPort}", new GrpcChannelOptions { HttpHandler = Stack.PublicHandler() });
        var client = new Echo.EchoClient(channel);
        var unary = await Eventually.Until(async () =>
        {
            using var call = client.UnaryAsync(new EchoMessage { Text = "hello" });
            return (await call.ResponseAsync, call.GetTrailers());
        }, r => r.Item1.Text == "hello", TimeSpan.FromSeconds(30), "unary gRPC call through the tunnel");
        Assert.Equal("unary", unary.Item2.GetValue("echo-trailer"));

        // An origin cannot speak as the edge in its trailers either.
        using (var posing = client.UnaryAsync(new EchoMessage { Text = "pose-as-edge" }))
        {
            Assert.Equal("pose-as-edge", (await posing.ResponseAsync).Text);
            var trailers = posing.GetTrailers();
            Assert.Equal("unary", trailers.GetValue("echo-trailer"));
            Assert.Null(trailers.Get("x-tunnel-error"));
            Assert.Null(trailers.Get("x-tunnel-error-detail"));
        }

        var failure = await Assert.ThrowsAsync<RpcException>(async () => await client.UnaryAsync(new EchoMessage { Text = "fail" }));
        Assert.Equal(StatusCode.FailedPrecondition, failure.StatusCode);
        Assert.Equal("asked to fail", failure.Status.Detail);
        Assert.Equal("unary", failure.Trailers.GetValue("echo-trailer"));

        using var stream = client.ServerStream(new EchoMessage { Text = "tick", Count = 100 });
        var counts = new List<int>();
        await foreach (var message in stream.ResponseStream.ReadAllAsync())
        {
            counts.Add(message.Count);
        }

        Assert.Equal(Enumerable.Range(0, 100), counts);
        Assert.Equal("stream", stream.GetTrailers().GetValue("echo-trailer"));

        using var bidi = client.Bidi();
        for (var i = 0; i < 50; i++)
        {
            await bidi.RequestStream.WriteAsync(new EchoMessage { Text = $"m{i}", Count = i });
            Assert.True(await bidi.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal($"M{i}", bidi.ResponseStream.Current.Text);
        }

        await bidi.RequestStream.CompleteAsync();
        Assert.False(await bidi.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.OK, bidi.GetStatus().StatusCode);
    }
}
