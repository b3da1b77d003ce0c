using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Pebble, Let's Encrypt's test CA (Debian `pebble`), with `pebble-challtestsrv` as its DNS server answering every
/// name with 127.0.0.1 (or another DNS server given), all on loopback. Its validation authority fetches HTTP-01 answers
/// from HttpPort and makes TLS-ALPN-01 handshakes to TlsPort. Validation does not sleep, so tests are quick.
/// </summary>
public sealed class Pebble : IAsyncDisposable
{
    private readonly TestProcess _pebble;
    private readonly TestProcess? _dns;
    private readonly int _dnsManagement;
    private readonly string _dir;

    private Pebble(TestProcess pebble, TestProcess? dns, int dnsManagement, string dir, int port, int managementPort)
    {
        _dnsManagement = dnsManagement;
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

    /// <param name="validity">How long its certificates last (Pebble's default: 5 years); short, to see renewals.</param>
    /// <param name="dnsServer">A DNS server to validate against (host:port) instead of pebble-challtestsrv (DNS-01 tests).</param>
    public static async Task<Pebble> StartAsync(int httpPort, int tlsPort, TimeSpan? validity = null, string? dnsServer = null)
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
        if (validity is { } lifetime)
        {
            config["pebble"]!["certificateValidityPeriod"] = (ulong)lifetime.TotalSeconds;
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "pebble.json"), config.ToJsonString());
        var dns = dnsServer is null
            ? TestProcess.Start("challtestsrv", "pebble-challtestsrv",
                ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", $"127.0.0.1:{dnsPort}", "-http01", "", "-https01", "", "-tlsalpn01", "",
                 "-management", $"127.0.0.1:{dnsManagement}"])
            : null;
        // Pebble rejects 5% of nonces by default (clients must retry badNonce); kept at its default so the retry is exercised.
        var pebble = TestProcess.Start("pebble", "pebble", ["-config", Path.Combine(dir, "pebble.json"), "-dnsserver", dnsServer ?? $"127.0.0.1:{dnsPort}"],
            new Dictionary<string, string> { ["PEBBLE_VA_NOSLEEP"] = "1", ["PEBBLE_AUTHZREUSE"] = "0" }); // every order proves its names afresh
        var instance = new Pebble(pebble, dns, dnsManagement, dir, port, management);
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

    /// <summary>Certificates Pebble issued so far (it logs one line per issuance).</summary>
    public int Issued => Output.Split('\n').Count(l => l.Contains("Issued certificate serial", StringComparison.Ordinal));

    /// <summary>Makes the name resolve to another address (where nothing answers): its validations then fail.</summary>
    public async Task PointAsync(string host, string address)
    {
        using var client = new HttpClient();
        var response = await client.PostAsync($"http://127.0.0.1:{_dnsManagement}/add-a",
            new StringContent($$"""{"host":"{{host}}.","addresses":["{{address}}"]}"""));
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await _pebble.DisposeAsync();
        if (_dns is not null)
        {
            await _dns.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
