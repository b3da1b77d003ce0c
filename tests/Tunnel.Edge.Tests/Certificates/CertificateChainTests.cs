using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Certificates;

namespace Tunnel.Edge.Tests.Certificates;

/// <summary>A configured fullchain PEM is served whole: the handshake sends its intermediate, whatever the machine's stores hold.</summary>
public sealed class CertificateChainTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chain-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void A_configured_pair_is_served_with_the_intermediates_its_file_holds()
    {
        Directory.CreateDirectory(_dir);
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=Test Intermediate", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var intermediate = intermediateRequest.Create(root, now.AddDays(-1), now.AddDays(20), [1, 2, 3]).CopyWithPrivateKey(intermediateKey);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=app.example.com", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("app.example.com");
        leafRequest.CertificateExtensions.Add(san.Build());
        using var leaf = leafRequest.Create(intermediate, now.AddDays(-1), now.AddDays(10), [4, 5, 6]);
        File.WriteAllText(Path.Combine(_dir, "fullchain.pem"), leaf.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(_dir, "key.pem"), leafKey.ExportPkcs8PrivateKeyPem());

        var options = Options.Create(new EdgeOptions
        {
            DataDirectory = _dir,
            Certificates = [new CertificateFiles { CertificatePath = Path.Combine(_dir, "fullchain.pem"), KeyPath = Path.Combine(_dir, "key.pem") }],
        });
        using var store = new CertificateStore(options, NullLogger<CertificateStore>.Instance);
        var context = store.SelectContext("app.example.com");
        Assert.Equal(leaf.Thumbprint, context.TargetCertificate.Thumbprint);
        Assert.Contains(context.IntermediateCertificates, c => c.Thumbprint == intermediate.Thumbprint);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
