using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Security;

/// <summary>An edge with small concurrency bounds, so one client's flood is measurable on this machine.</summary>
public sealed class LimitedEdgeFixture : IAsyncLifetime
{
    public TunnelStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await TunnelStack.StartAsync(Store.Sqlite, s => s.EdgeArgs.AddRange(
        ["--Edge:MaxConcurrentRequestsPerConnection=20", "--Edge:MaxConcurrentRequestsPerClientIp=30"]));

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>
/// One client cannot hold a tunnel's streams: requests in flight are bounded per connection and per client address
/// on the public side (the connector side keeps its large stream limits), and slow request bodies are cut.
/// </summary>
public sealed class ClientLimitTests(LimitedEdgeFixture fixture) : IClassFixture<LimitedEdgeFixture>
{
    private TunnelStack Stack => fixture.Stack;

    /// <summary>An HTTP/2 client whose one connection comes from the given loopback address.</summary>
    private HttpClient ClientFrom(IPAddress source)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        handler.ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        };
        return new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(90),
        };
    }

    private async Task<string> ServedHostnameAsync()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
        return hostname;
    }

    /// <summary>Requests held at the origin until released; each outcome is recorded as it arrives.</summary>
    private sealed class Flood
    {
        public ConcurrentQueue<(HttpStatusCode? Status, string Body)> Outcomes { get; } = new();

        public List<Task> Requests { get; } = [];

        public void Send(HttpClient client, Uri url, int count) => Requests.AddRange(Enumerable.Range(0, count).Select(async _ =>
        {
            try
            {
                using var response = await client.GetAsync(url);
                Outcomes.Enqueue((response.StatusCode, await response.Content.ReadAsStringAsync()));
            }
            catch (Exception ex)
            {
                Outcomes.Enqueue((null, ex.Message));
            }
        }));

        public int Count(HttpStatusCode status) => Outcomes.Count(o => o.Status == status);

        public override string ToString() => string.Join("; ", Outcomes.GroupBy(o => o.Status).Select(g => $"{g.Count()} × {(g.Key is { } s ? (int)s : "error")} {g.First().Body.Trim()}"));

        /// <summary>Waits until the given number were refused (the rest being held), failing at once on anything else.</summary>
        public async Task RefusedAsync(int count)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (Count(HttpStatusCode.TooManyRequests) < count)
            {
                Assert.True(Outcomes.All(o => o.Status == HttpStatusCode.TooManyRequests), $"a held request ended early: {this}");
                Assert.True(DateTime.UtcNow < deadline, $"{count} refusals did not come within 60 s: {this}");
                await Task.Delay(50);
            }
        }
    }

    private async Task ReleaseAsync(string key)
    {
        using var origin = new HttpClient();
        (await origin.PostAsync($"http://127.0.0.1:{Stack.OriginPort}/release/{key}", null)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task One_client_cannot_hold_all_of_a_tunnels_streams_and_others_are_still_served()
    {
        var hostname = await ServedHostnameAsync();

        // One HTTP/2 connection with 30 requests in flight: 20 held, the rest refused for that connection.
        using (var one = ClientFrom(IPAddress.Loopback))
        {
            var flood = new Flood();
            flood.Send(one, Stack.PublicUrl(hostname, "/hold/one"), 30);
            await flood.RefusedAsync(10);
            await ReleaseAsync("one");
            await Task.WhenAll(flood.Requests);
            Assert.Equal(20, flood.Count(HttpStatusCode.OK));
            Assert.All(flood.Outcomes.Where(o => o.Status != HttpStatusCode.OK), o =>
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, o.Status);
                Assert.Contains("This connection has 20 requests in flight", o.Body);
            });
        }

        // Three connections from one address, 15 each: 30 held for that address, 15 refused; while that address is at
        // its bound, another address is still served (its own bound, not the flooder's).
        var clients = Enumerable.Range(0, 3).Select(_ => ClientFrom(IPAddress.Loopback)).ToList();
        var three = new Flood();
        clients.ForEach(c => three.Send(c, Stack.PublicUrl(hostname, "/hold/three"), 15));
        await three.RefusedAsync(15);
        using (var flooder = ClientFrom(IPAddress.Loopback))
        using (var refused = await flooder.GetAsync(Stack.PublicUrl(hostname, "/small")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        using (var other = ClientFrom(IPAddress.Parse("127.0.0.2")))
        using (var served = await other.GetAsync(Stack.PublicUrl(hostname, "/small")))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        await ReleaseAsync("three");
        await Task.WhenAll(three.Requests);
        // Without the bound all 45 would be served.
        Assert.Equal(30, three.Count(HttpStatusCode.OK));
        Assert.All(three.Outcomes.Where(o => o.Status != HttpStatusCode.OK), o => Assert.Contains("Your address has 30 requests", o.Body));
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task A_request_body_that_trickles_is_cut_off()
    {
        var hostname = await ServedHostnameAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Stack.PublicPort);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(hostname);
        // To /sink, which answers only once it has the whole body: what the client hears is the edge's own answer.
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"POST /sink HTTP/1.1\r\nHost: {hostname}\r\nContent-Length: 100000\r\n\r\n0123456789"));
        var clock = Stopwatch.StartNew();

        // Then nothing: the edge must give up on the body (240 bytes/s after a 5 s grace) rather than hold a tunnel stream.
        var buffer = new byte[4096];
        using var answer = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int read;
            while ((read = await tls.ReadAsync(buffer, timeout.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // reset: cut off as well
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the trickling body held the connection for {clock.Elapsed.TotalSeconds:0} s");
        // Said as the client's timeout (408), never as the origin's failure (502).
        var text = Encoding.UTF8.GetString(answer.ToArray());
        Assert.StartsWith("HTTP/1.1 408", text);
        Assert.Contains("bad_request_body", text);
    }
}
