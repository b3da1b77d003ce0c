using System.Net;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Operations;

/// <summary>Rate limits and size limits at the edge, per hostname; a stack of its own, since it configures the edge.</summary>
public class RequestLimitTests
{
    [Fact]
    public async Task A_hostname_over_its_rate_gets_429_with_retry_after_and_body_and_header_limits_apply_per_hostname()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var (limited, small, free) = ($"rate-{id}.localhost", $"small-{id}.localhost", $"free-{id}.localhost");
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, s => s.EdgeArgs.AddRange([
            $"--Edge:Hostnames:{limited}:RequestsPerMinutePerClientIp=5",
            $"--Edge:Hostnames:{small}:MaxRequestBodyBytes=1000",
            $"--Edge:Hostnames:{small}:MaxRequestHeaderBytes=2048",
        ]));
        var (_, token) = await stack.CreateTunnelAsync($"t-{id}");
        foreach (var host in new[] { limited, small, free })
        {
            await stack.RouteAsync($"t-{id}", host);
        }

        stack.StartConnector(token);
        await stack.WaitServedAsync(free);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await stack.Public.GetAsync(stack.PublicUrl(limited, "/small"));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After present");
        Assert.Contains("limited number of requests", await refused.Content.ReadAsStringAsync());
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await stack.Public.GetAsync(stack.PublicUrl(free, "/small"))).StatusCode);
        }

        var big = await stack.Public.PostAsync(stack.PublicUrl(small, "/echo"), new ByteArrayContent(new byte[5000]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Contains("at most 1000 bytes", await big.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await stack.Public.PostAsync(stack.PublicUrl(small, "/echo"), new ByteArrayContent(new byte[500]))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stack.Public.PostAsync(stack.PublicUrl(free, "/echo"), new ByteArrayContent(new byte[5000]))).StatusCode);

        var headers = new HttpRequestMessage(HttpMethod.Get, stack.PublicUrl(small, "/small"));
        headers.Headers.Add("X-Padding", new string('a', 4000));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await stack.Public.SendAsync(headers)).StatusCode);
    }

    /// <summary>
    /// A body that breaks while the edge reads it is the client's error, said as such (not a 502 blaming the origin),
    /// and an origin's response cannot carry the edge's error headers; raw HTTP/1.1, where HttpClient would not send a bad chunk.
    /// </summary>
    [Fact]
    public async Task A_chunked_body_past_the_limit_is_413_a_broken_chunk_400_and_an_origin_cannot_pose_as_the_edge()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var small = $"chunks-{id}.localhost";
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, s => s.EdgeArgs.Add($"--Edge:Hostnames:{small}:MaxRequestBodyBytes=1000"));
        var (_, token) = await stack.CreateTunnelAsync($"t-{id}");
        await stack.RouteAsync($"t-{id}", small);
        stack.StartConnector(token);
        await stack.WaitServedAsync(small);

        string Chunked(string chunks) => $"POST /sink HTTP/1.1\r\nHost: {small}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunks}";
        var chunk = $"258\r\n{new string('a', 600)}\r\n";
        var within = await RawHttp1Client.SendAsync(stack.PublicPort, small, Chunked(chunk + "0\r\n\r\n"));
        Assert.Equal(200, within.Status);

        var tooLarge = await RawHttp1Client.SendAsync(stack.PublicPort, small, Chunked(chunk + chunk + chunk + "0\r\n\r\n"));
        Assert.Equal(413, tooLarge.Status);
        Assert.Equal("body_too_large", tooLarge.Header("X-Tunnel-Error"));
        Assert.Contains("too large", tooLarge.Body, StringComparison.OrdinalIgnoreCase);

        var broken = await RawHttp1Client.SendAsync(stack.PublicPort, small, Chunked("zz\r\nhello\r\n0\r\n\r\n"));
        Assert.Equal(400, broken.Status);
        Assert.Equal("bad_request_body", broken.Header("X-Tunnel-Error"));
        var badExtension = await RawHttp1Client.SendAsync(stack.PublicPort, small, Chunked("5;\u0001bad\r\nhello\r\n0\r\n\r\n"));
        // Kestrel ignores a chunk extension, however odd; the origin gets the body decoded and framed anew, so nothing of it passes on.
        Assert.Equal(200, badExtension.Status);
        Assert.StartsWith("5 " + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("hello"u8)), badExtension.Body.Trim().Split("\r\n").First(l => l.StartsWith("5 ", StringComparison.Ordinal)));

        // The same over HTTP/2, where a body without a length is a stream of DATA frames.
        using (var h2 = new HttpRequestMessage(HttpMethod.Post, stack.PublicUrl(small, "/sink"))
               {
                   Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                   Content = new StreamContent(new UnknownLength(new byte[5000])),
               })
        {
            var overH2 = await stack.Public.SendAsync(h2);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overH2.StatusCode);
            Assert.Equal("body_too_large", overH2.Headers.GetValues("X-Tunnel-Error").Single());
        }

        var posing = await RawHttp1Client.GetAsync(stack.PublicPort, small, "/pose-as-edge");
        Assert.Equal(503, posing.Status);
        Assert.Null(posing.Header("X-Tunnel-Error"));
        Assert.Null(posing.Header("X-Tunnel-Error-Detail"));
        Assert.Contains("the origin's own page", posing.Body);
    }

    /// <summary>A body whose length HttpClient cannot know: sent chunked (HTTP/1.1) or as DATA frames without a length (HTTP/2).</summary>
    private sealed class UnknownLength(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
