using System.Security.Cryptography.X509Certificates;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Tests.Certificates;

public class DevCertificateAuthorityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tunnel-ca-{Guid.NewGuid():N}");

    [Fact]
    public void Issued_certificates_chain_to_the_ca_file_and_name_the_host()
    {
        var ca = DevCertificateAuthority.LoadOrCreate(_dir);
        var cert = ca.ServerCertificate("demo.localhost");
        Assert.True(cert.HasPrivateKey);
        Assert.True(cert.MatchesHostname("demo.localhost"));
        Assert.False(cert.MatchesHostname("other.localhost"));

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(ca.CaPath);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        Assert.True(chain.Build(cert), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));

        // A restart keeps the same CA, so clients keep trusting it.
        Assert.Equal(roots[0].Thumbprint, X509Certificate2.CreateFromPem(File.ReadAllText(DevCertificateAuthority.LoadOrCreate(_dir).CaPath)).Thumbprint);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
