using System.Net.Http.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>
/// The other two ways a name is proven. TLS-ALPN-01: an edge with no plain-HTTP port answers Pebble's acme-tls/1
/// handshake on its public HTTPS port. DNS-01: a wildcard route, and the quick-tunnel domain, get wildcard certificates
/// through TXT records the edge adds to a real DNS server (Knot) with RFC 2136 updates signed by TSIG.
/// </summary>
public sealed class AcmeChallengeTests
{
    private static readonly System.Net.Security.SslApplicationProtocol AcmeTls = new("acme-tls/1"u8.ToArray());

    [Fact]
    public async Task An_edge_without_a_plain_http_port_proves_a_name_through_tls_alpn_01()
    {
        Pebble pebble = null!;
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, async s =>
        {
            pebble = await Pebble.StartAsync(Ports.Free(), s.PublicPort);
            s.EdgeArgs.AddRange([$"--Edge:Acme:DirectoryUrl={pebble.DirectoryUrl}", $"--Edge:Acme:DirectoryCa={pebble.TlsCertificatePath}"]);
        });
        await using var _ = pebble;
        var (name, hostname, token) = await stack.NewRoutedTunnelAsync();
        stack.StartConnector(token);
        var issued = await Eventually.Until(() => Tls.PresentedAsync(stack.PublicPort, hostname), c => c.Issuer.Contains("Pebble", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), $"a Pebble certificate for {hostname} through tls-alpn-01");
        Assert.Contains(hostname, issued.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false));
        Assert.Contains($"answering tls-alpn-01 for {hostname}", stack.Edge!.Output);
        // The validation handshake never became a request: ordinary HTTPS still works on the port.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await stack.Public.GetAsync(stack.PublicUrl(hostname, "/small"))).StatusCode);
        var (_, info) = await stack.CliAsync("tunnel", "info", name);
        Assert.Contains($"certificate of {hostname}: certificate {hostname} from", info);

        // A forged acme-tls/1 handshake, with no challenge pending, for the routed name and for an unrouted one: never the
        // validation certificate, never the protocol.
        foreach (var sni in new[] { hostname, "unrouted.example.net" })
        {
            // The edge refuses it outright (no common protocol: a TLS alert), which is what is asserted.
            var refused = await Assert.ThrowsAsync<System.Security.Authentication.AuthenticationException>(() => Tls.HandshakeAsync(stack.PublicPort, sni, [AcmeTls]));
            Assert.Contains("no application protocol", refused.ToString());
        }

        // The ClientHello is read before the handshake: one that arrives in two pieces, apart, still gets its handshake.
        using var tcp = new System.Net.Sockets.TcpClient { NoDelay = true };
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, stack.PublicPort);
        await using var tls = new System.Net.Security.SslStream(new SplitFirstWrite(tcp.GetStream()), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = hostname, ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http2, System.Net.Security.SslApplicationProtocol.Http11],
        });
        Assert.Equal(System.Net.Security.SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
    }

    /// <summary>Sends its first write in two halves 200 ms apart (two TCP segments), as a slow or lossy network would.</summary>
    private sealed class SplitFirstWrite(Stream inner) : Stream
    {
        private bool _split;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_split || buffer.Length < 2)
            {
                await inner.WriteAsync(buffer, cancellationToken);
                return;
            }

            _split = true;
            await inner.WriteAsync(buffer[..(buffer.Length / 2)], cancellationToken);
            await inner.FlushAsync(cancellationToken);
            await Task.Delay(200, cancellationToken);
            await inner.WriteAsync(buffer[(buffer.Length / 2)..], cancellationToken);
        }
    }

    [Fact]
    public async Task A_wildcard_route_and_the_quick_domain_get_wildcard_certificates_through_dns_01()
    {
        await using var knot = await Knot.StartAsync("acme.test");
        Pebble pebble = null!;
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, async s =>
        {
            pebble = await Pebble.StartAsync(Ports.Free(), s.PublicPort, dnsServer: knot.Server);
            s.EdgeArgs.AddRange([$"--Edge:Acme:DirectoryUrl={pebble.DirectoryUrl}", $"--Edge:Acme:DirectoryCa={pebble.TlsCertificatePath}",
                "--Edge:Acme:Challenge=tls-alpn-01", $"--Edge:Acme:Dns:Server={knot.Server}", // the zone found by its SOA
                $"--Edge:Acme:Dns:TsigKeyName={knot.TsigKeyName}", $"--Edge:Acme:Dns:TsigSecret={knot.TsigSecret}"]);
            s.ControlPlaneArgs.AddRange(["--ControlPlane:QuickTunnels:Enabled=true", "--ControlPlane:QuickTunnels:AllowAnonymous=true",
                "--ControlPlane:QuickTunnels:Domain=quick.acme.test"]);
        });
        await using var _ = pebble;
        var (name, _, token) = await stack.NewRoutedTunnelAsync();
        await stack.RouteAsync(name, "*.w1.acme.test");
        stack.StartConnector(token);

        var wildcard = await Eventually.Until(() => Tls.PresentedAsync(stack.PublicPort, "anything.w1.acme.test"), c => c.Issuer.Contains("Pebble", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "a Pebble wildcard certificate for *.w1.acme.test");
        Assert.Contains("*.w1.acme.test", wildcard.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false));
        // Knot took the TXT record and its removal, both signed with the TSIG key (an unsigned update is refused).
        Assert.True(knot.Output.Split('\n').Count(l => l.Contains("[acme.test.] DDNS, finished", StringComparison.Ordinal)) >= 2, knot.Output);

        // A quick tunnel: its names are covered by the quick domain's one wildcard, never ordered one by one.
        using var anonymous = stack.ApiAs(null);
        var quick = await anonymous.PostAsJsonAsync("api/quick-tunnels", new { });
        var body = await quick.Content.ReadAsStringAsync();
        Assert.True(quick.IsSuccessStatusCode, body);
        var quickName = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("hostname").GetString()!;
        var quickCert = await Eventually.Until(() => Tls.PresentedAsync(stack.PublicPort, quickName), c => c.Issuer.Contains("Pebble", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), $"the quick domain's wildcard certificate for {quickName}");
        Assert.Contains("*.quick.acme.test", quickCert.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false));
        Assert.DoesNotContain(quickName, pebble.Output);
    }
}
