using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>
/// Certificates that issue themselves: against Pebble (Let's Encrypt's test CA) on loopback, the edge obtains one for
/// a routed hostname through HTTP-01 and serves it (a client trusting only Pebble's root accepts it), and a name that
/// is not routed never causes an order however many handshakes ask for it.
/// </summary>
public sealed class AcmeCertificateTests : IAsyncLifetime
{
    private Pebble _pebble = null!;
    private TunnelStack _stack = null!;
    private readonly int _httpPort = Ports.Free();

    public async Task InitializeAsync()
    {
        _stack = await TunnelStack.StartAsync(Store.Sqlite, async s =>
        {
            _pebble = await Pebble.StartAsync(_httpPort, s.PublicPort);
            s.EdgeArgs.AddRange([$"--Edge:PublicHttpPort={_httpPort}", $"--Edge:Acme:DirectoryUrl={_pebble.DirectoryUrl}",
                $"--Edge:Acme:DirectoryCa={_pebble.TlsCertificatePath}", "--Edge:Acme:Email=ops@example.com"]);
        });
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _pebble.DisposeAsync();
    }

    /// <summary>The certificate the edge's public HTTPS port presents for a name (SNI), unvalidated.</summary>
    private async Task<X509Certificate2> PresentedAsync(string serverName)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _stack.PublicPort);
        X509Certificate2? presented = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, cert, _, _) =>
        {
            presented = cert is null ? null : new X509Certificate2(cert);
            return true;
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = serverName });
        return presented!;
    }

    [Fact]
    public async Task A_routed_hostname_gets_a_certificate_through_http01_and_an_unrouted_name_never_causes_an_order()
    {
        var (_, hostname, token) = await _stack.NewRoutedTunnelAsync();
        _stack.StartConnector(token);
        for (var i = 0; i < 20; i++)
        {
            await PresentedAsync($"scanner-{i}.example.net"); // SNI a scanner sends: served the default, never ordered
        }

        var issued = await Eventually.Until(() => PresentedAsync(hostname), c => c.Issuer.Contains("Pebble", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), $"a Pebble certificate for {hostname}");
        Assert.Contains(hostname, issued.GetNameInfo(X509NameType.DnsName, false));

        // A client that trusts only Pebble's root (and knows its intermediate) accepts it for the name.
        var (root, intermediate) = await _pebble.TrustAsync();
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.Add(intermediate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(issued), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));

        // Kept on disk for a restart; nothing was ordered for the scanner's names.
        var stored = Directory.GetFiles(Path.Combine(_stack.FirstEdge.DataDirectory, "acme"), "*.crt.pem").Select(Path.GetFileName).ToList();
        Assert.Equal([$"{hostname}.crt.pem"], stored);
        Assert.DoesNotContain("scanner-", _pebble.Output);
    }
}
