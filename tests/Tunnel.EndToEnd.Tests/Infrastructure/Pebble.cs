using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Pebble, Let's Encrypt's test CA (Debian `pebble`), with `pebble-challtestsrv` as its DNS server answering every
/// name with 127.0.0.1, all on loopback. Its validation authority fetches HTTP-01 answers from HttpPort (the edge's
/// public HTTP port). Nonces are never rejected at random and validation does not sleep, so tests are steady.
/// </summary>
public sealed class Pebble : IAsyncDisposable
{
    private readonly TestProcess _pebble;
    private readonly TestProcess _dns;
    private readonly string _dir;

    private Pebble(TestProcess pebble, TestProcess dns, string dir, int port, int managementPort)
    {
        _pebble = pebble;
        _dns = dns;
        _dir = dir;
        DirectoryUrl = $"https://127.0.0.1:{port}/dir";
        ManagementUrl = $"https://127.0.0.1:{managementPort}";
        TlsCertificatePath = Path.Combine(dir, "pebble-tls.pem");
    }

    public string DirectoryUrl { get; }
    public string ManagementUrl { get; }
    /// <summary>Pebble's own HTTPS certificate (self-signed): what the edge trusts for the directory (Edge:Acme:DirectoryCa).</summary>
    public string TlsCertificatePath { get; }

    public static async Task<Pebble> StartAsync(int httpPort, int tlsPort)
    {
        var dir = Path.Combine(Path.GetTempPath(), "pebble-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=pebble", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllTextAsync(Path.Combine(dir, "pebble-tls.pem"), cert.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(dir, "pebble-tls.key"), key.ExportPkcs8PrivateKeyPem());
        }

        int port = Ports.Free(), management = Ports.Free(), dnsPort = Ports.Free(), dnsManagement = Ports.Free();
        var config = new System.Text.Json.Nodes.JsonObject
        {
            ["pebble"] = new System.Text.Json.Nodes.JsonObject
            {
                ["listenAddress"] = $"127.0.0.1:{port}", ["managementListenAddress"] = $"127.0.0.1:{management}",
                ["certificate"] = Path.Combine(dir, "pebble-tls.pem"), ["privateKey"] = Path.Combine(dir, "pebble-tls.key"),
                ["httpPort"] = httpPort, ["tlsPort"] = tlsPort, ["ocspResponderURL"] = "", ["externalAccountBindingRequired"] = false,
            },
        };
        await File.WriteAllTextAsync(Path.Combine(dir, "pebble.json"), config.ToJsonString());
        var dns = TestProcess.Start("challtestsrv", "pebble-challtestsrv",
            ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", $"127.0.0.1:{dnsPort}", "-http01", "", "-https01", "", "-tlsalpn01", "",
             "-management", $"127.0.0.1:{dnsManagement}"]);
        var pebble = TestProcess.Start("pebble", "pebble", ["-config", Path.Combine(dir, "pebble.json"), "-dnsserver", $"127.0.0.1:{dnsPort}"],
            new Dictionary<string, string> { ["PEBBLE_VA_NOSLEEP"] = "1", ["PEBBLE_WFE_NONCEREJECT"] = "0" });
        var instance = new Pebble(pebble, dns, dir, port, management);
        using var client = instance.Client();
        await Eventually.Until(async () =>
        {
            try
            {
                return (await client.GetAsync(instance.DirectoryUrl)).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, ok => ok, TimeSpan.FromSeconds(20), "pebble's directory");
        return instance;
    }

    /// <summary>A client that trusts Pebble's own HTTPS certificate.</summary>
    public HttpClient Client() => new(Tunnel.Shared.Security.TrustedCertificates.CreateHandler(TlsCertificatePath));

    /// <summary>The root that Pebble's certificates chain to (a new one each run), and its intermediate.</summary>
    public async Task<(X509Certificate2 Root, X509Certificate2 Intermediate)> TrustAsync()
    {
        using var client = Client();
        var root = X509Certificate2.CreateFromPem(await client.GetStringAsync($"{ManagementUrl}/roots/0"));
        var intermediate = X509Certificate2.CreateFromPem(await client.GetStringAsync($"{ManagementUrl}/intermediates/0"));
        return (root, intermediate);
    }

    public string Output => _pebble.Output;

    public async ValueTask DisposeAsync()
    {
        await _pebble.DisposeAsync();
        await _dns.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
