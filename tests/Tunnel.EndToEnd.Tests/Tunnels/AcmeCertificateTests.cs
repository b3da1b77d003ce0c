using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>
/// Certificates that issue themselves, for a cluster: against Pebble (Let's Encrypt's test CA) on loopback. Edge B orders
/// (it has Edge:Acme), edge A does not, and A is where Pebble's validation goes: A answers B's HTTP-01 challenge from the
/// snapshot, and serves the certificate B obtained without an order of its own. A name that is not routed never causes
/// an order. Pebble's certificates last 90 s here, so renewals happen within the test; a name whose DNS breaks fails its
/// renewal, keeps its certificate in service and shows the CA's error in `tunnel info`.
/// </summary>
public sealed class AcmeCertificateTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private Pebble _pebble = null!;
    private TunnelStack _stack = null!;
    private EdgeNode _orderer = null!;
    private readonly int _httpPort = Ports.Free();

    public async Task InitializeAsync()
    {
        _stack = await TunnelStack.StartAsync(Store.Sqlite, async s =>
        {
            _pebble = await Pebble.StartAsync(_httpPort, s.PublicPort, validity: TimeSpan.FromSeconds(90));
            s.EdgeArgs.Add($"--Edge:PublicHttpPort={_httpPort}");
        });
        _orderer = await _stack.AddEdgeAsync("edge-orders", $"--Edge:PublicHttpPort={Ports.Free()}", $"--Edge:Acme:DirectoryUrl={_pebble.DirectoryUrl}",
            $"--Edge:Acme:DirectoryCa={_pebble.TlsCertificatePath}", "--Edge:Acme:Email=ops@example.com");
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _pebble.DisposeAsync();
    }

    /// <summary>A request on the plain-HTTP port, written as given; the whole answer as text.</summary>
    private static async Task<string> PlainHttpAsync(int port, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, timeout.Token);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Fact]
    public async Task One_edge_orders_through_http01_answered_by_another_every_edge_serves_it_renewals_come_and_a_failed_one_keeps_the_old()
    {
        var routed = System.Diagnostics.Stopwatch.StartNew();
        var (name, hostname, token) = await _stack.NewRoutedTunnelAsync();
        var broken = $"b{Guid.NewGuid():N}"[..10] + ".localhost";
        await _stack.RouteAsync(name, broken);
        _stack.StartConnector(token);
        await _stack.WaitServedAsync(hostname);
        foreach (var port in new[] { _stack.PublicPort, _orderer.PublicPort })
        {
            for (var i = 0; i < 10; i++)
            {
                await Tls.PresentedAsync(port, $"scanner-{i}.example.net"); // SNI a scanner sends: served the default, never ordered
            }
        }

        // Edge A never orders, yet serves Pebble's certificate: B ordered, A answered the challenge and fetched the pair.
        var first = await Eventually.Until(() => Tls.PresentedAsync(_stack.PublicPort, hostname), c => c.Issuer.Contains("Pebble", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), $"a Pebble certificate for {hostname} on edge A");
        output.WriteLine($"route to a trusted certificate served by the other edge: {routed.ElapsedMilliseconds} ms");
        var brokenFirst = await Eventually.Until(() => Tls.PresentedAsync(_stack.PublicPort, broken), c => c.Issuer.Contains("Pebble", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), $"a Pebble certificate for {broken} on edge A");
        Assert.Equal(2, _pebble.Issued); // one order per name for the whole cluster
        Assert.Equal(first.Thumbprint, (await Tls.PresentedAsync(_orderer.PublicPort, hostname)).Thumbprint);
        Assert.DoesNotContain("scanner-", _pebble.Output);

        // A client that trusts only Pebble's root accepts it, with the intermediate the edge sent (none of the client's own).
        var (root, _) = await _pebble.TrustAsync();
        var sent = 0;
        using (var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, _stack.PublicPort, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
            {
                if (cert is null || chain is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false; // a name mismatch is not excused
                }

                sent = chain.ChainPolicy.ExtraStore.Count; // what the server sent beyond the leaf
                using var ours = new X509Chain();
                ours.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                ours.ChainPolicy.CustomTrustStore.Add(root);
                ours.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
                ours.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return ours.Build(new X509Certificate2(cert));
            } },
        })
        using (var client = new HttpClient(handler))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"https://{hostname}:{_stack.PublicPort}/small")).StatusCode);
        }

        Assert.True(sent >= 1, $"the edge sent {sent} certificates beyond the leaf");

        // With no challenge pending, the challenge path answers nothing of its own, on raw HTTP/1.1, for a routed name,
        // an unrouted one, and odd or encoded tokens: the request goes where any other would (the tunnel, or 404).
        foreach (var (host, target) in new[] { (hostname, "/.well-known/acme-challenge/forged"), (hostname, "/.well-known/acme-challenge/%2e%2e/x"),
                     ("unrouted.example.net", "/.well-known/acme-challenge/forged"), (hostname, "/.WELL-KNOWN/acme-challenge/forged") })
        {
            var answer = await PlainHttpAsync(_httpPort, $"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
            Assert.DoesNotContain("application/octet-stream", answer);
            Assert.DoesNotMatch(@"\r\n\r\n[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$", answer);
        }

        // A Host that is no name (malformed punycode, which HttpRequest.Host throws on) is the edge's 400, not a 500.
        var malformed = await PlainHttpAsync(_httpPort, "GET /.well-known/acme-challenge/forged HTTP/1.1\r\nHost: xn--a.example.com\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", malformed);
        Assert.Contains("bad_host", malformed);

        // `tunnel info` says which certificate serves each name.
        var (_, info) = await _stack.CliAsync("tunnel", "info", name);
        Assert.Contains($"certificate of {hostname}: certificate {hostname} from", info);
        Assert.Contains("obtained", info);

        // The broken name's DNS now points where nothing answers; both certificates come due 51-60 s after issue.
        await _pebble.PointAsync(broken, "127.0.0.9");
        // Waited for until a minute past the first one's expiry: renewal comes 51-60 s after issue, and the order takes its own time on a busy machine.
        var renewalDeadline = first.NotAfter.ToUniversalTime() - DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var renewed = await Eventually.Until(() => Tls.PresentedAsync(_stack.PublicPort, hostname), c => c.Thumbprint != first.Thumbprint,
            renewalDeadline, $"the renewed certificate of {hostname}");
        Assert.Contains("Pebble", renewed.Issuer);
        Assert.True(renewed.NotAfter > first.NotAfter);

        var (_, failed) = await Eventually.Until(() => _stack.CliAsync("tunnel", "info", name), r => r.Output.Contains("failed (1 in a row", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), $"the failed renewal of {broken} in tunnel info");
        Assert.Contains($"certificate of {broken}: certificate {broken} from", failed);
        Assert.Contains("urn:ietf:params:acme:error:connection", failed);
        Assert.Contains("next try after", failed);
        // Still served with the certificate it had, on both edges.
        Assert.Equal(brokenFirst.Thumbprint, (await Tls.PresentedAsync(_stack.PublicPort, broken)).Thumbprint);
        Assert.Equal(brokenFirst.Thumbprint, (await Tls.PresentedAsync(_orderer.PublicPort, broken)).Thumbprint);

        // The dashboard's tunnel page shows each hostname's certificate: issuer, expiry, the last attempt and its error.
        var (playwright, browser) = await Browser.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync(new Microsoft.Playwright.BrowserNewContextOptions { IgnoreHTTPSErrors = true });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(20_000);
            await DashboardSession.SignInAsync(page, _stack, _stack.AdminKey);
            await page.GotoAsync(new Uri(_stack.Api.BaseAddress!, $"tunnels/{name}").AbsoluteUri);
            var rows = page.Locator("#certificates tr");
            var good = await rows.Filter(new() { HasText = hostname }).InnerTextAsync();
            Assert.Contains("Pebble", good);
            Assert.Matches(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", good); // valid until
            var bad = await rows.Filter(new() { HasText = broken }).InnerTextAsync();
            Assert.Contains("urn:ietf:params:acme:error:connection", bad);
            Assert.Contains("1 in a row", bad);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}

/// <summary>What an edge's public HTTPS port presents for a server name (SNI) and ALPN list, unvalidated.</summary>
internal static class Tls
{
    public static async Task<X509Certificate2> PresentedAsync(int port, string serverName) => (await HandshakeAsync(port, serverName, null)).Certificate;

    public static async Task<(X509Certificate2 Certificate, SslApplicationProtocol Protocol)> HandshakeAsync(int port, string serverName, List<SslApplicationProtocol>? alpn)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        X509Certificate2? presented = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, cert, _, _) =>
        {
            presented = cert is null ? null : new X509Certificate2(cert);
            return true;
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = serverName, ApplicationProtocols = alpn });
        return (presented!, tls.NegotiatedApplicationProtocol);
    }
}
