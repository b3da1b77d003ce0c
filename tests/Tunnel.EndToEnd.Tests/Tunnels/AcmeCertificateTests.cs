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
        await _stack.WaitServedAsync(hostname);
        for (var i = 0; i < 20; i++)
        {
            await PresentedAsync($"scanner-{i}.example.net"); // SNI a scanner sends: served the default, never ordered
        }

        var issued = await Eventually.Until(() => PresentedAsync(hostname), c => c.Issuer.Contains("Pebble", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), $"a Pebble certificate for {hostname}");
        Assert.Contains(hostname, issued.GetNameInfo(X509NameType.DnsName, false));

        // A client that trusts only Pebble's root accepts it for the name: the edge sends the intermediate with it.
        var (root, _) = await _pebble.TrustAsync();
        using var handler = new SocketsHttpHandler
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

                using var ours = new X509Chain();
                ours.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                ours.ChainPolicy.CustomTrustStore.Add(root);
                ours.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore); // what the server sent, nothing of ours
                ours.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return ours.Build(new X509Certificate2(cert));
            } },
        };
        using var client = new HttpClient(handler);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"https://{hostname}:{_stack.PublicPort}/small")).StatusCode);

        // Kept on disk for a restart; nothing was ordered for the scanner's names.
        var stored = Directory.GetFiles(Path.Combine(_stack.FirstEdge.DataDirectory, "acme"), "*.crt.pem").Select(Path.GetFileName).ToList();
        Assert.Equal([$"{hostname}.crt.pem"], stored);
        Assert.DoesNotContain("scanner-", _pebble.Output);
    }
}
