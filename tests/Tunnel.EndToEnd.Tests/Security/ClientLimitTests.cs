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
            Timeout = TimeSpan.FromSeconds(60), // the held requests take 25 s
        };
    }

    private async Task<string> ServedHostnameAsync()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
        return hostname;
    }

    private static async Task<List<(HttpStatusCode Status, string Body)>> FloodAsync(HttpClient client, Uri url, int count) =>
        [.. await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            using var response = await client.GetAsync(url);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }))];

    [Fact]
    public async Task One_client_cannot_hold_all_of_a_tunnels_streams_and_others_are_still_served()
    {
        var hostname = await ServedHostnameAsync();
        var slow = Stack.PublicUrl(hostname, "/slow/3000");

        // One HTTP/2 connection with 30 requests in flight: 20 served, the rest refused for that connection.
        using (var one = ClientFrom(IPAddress.Loopback))
        {
            var results = await FloodAsync(one, slow, 30);
            Assert.Equal(20, results.Count(r => r.Status == HttpStatusCode.OK));
            Assert.All(results.Where(r => r.Status != HttpStatusCode.OK), r =>
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
                Assert.Contains("This connection has 20 requests in flight", r.Body);
            });
        }

        // Three connections from one address, 15 each: 30 served for that address; while that address is at its bound,
        // another address is still served (its own bound, not the flooder's).
        var clients = Enumerable.Range(0, 3).Select(_ => ClientFrom(IPAddress.Loopback)).ToList();
        using var other = ClientFrom(IPAddress.Parse("127.0.0.2"));
        // Held long enough (25 s) that the probes below see the bound even on a busy machine (45 streams to open first).
        var held = Stack.PublicUrl(hostname, "/slow/25000");
        var flood = clients.Select(c => FloodAsync(c, held, 15)).ToList();
        using var flooder = ClientFrom(IPAddress.Loopback);
        await Eventually.Until(() => flooder.GetAsync(Stack.PublicUrl(hostname, "/small")), r => r.StatusCode == HttpStatusCode.TooManyRequests,
            TimeSpan.FromSeconds(20), "the flooding address at its bound");
        using var served = await other.GetAsync(Stack.PublicUrl(hostname, "/small"));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var all = (await Task.WhenAll(flood)).SelectMany(r => r).ToList();
        // 30 at most (a /small probe may briefly hold a slot as the flood starts); without the bound all 45 would pass.
        Assert.InRange(all.Count(r => r.Status == HttpStatusCode.OK), 28, 30);
        Assert.All(all.Where(r => r.Status != HttpStatusCode.OK), r => Assert.Contains("Your address has 30 requests", r.Body));
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
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"POST /echo HTTP/1.1\r\nHost: {hostname}\r\nContent-Length: 100000\r\n\r\n0123456789"));
        var clock = Stopwatch.StartNew();

        // Then nothing: the edge must give up on the body (240 bytes/s after a 5 s grace) rather than hold a tunnel stream.
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (await tls.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // reset: cut off as well
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the trickling body held the connection for {clock.Elapsed.TotalSeconds:0} s");
    }
}
