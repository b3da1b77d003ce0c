using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

public static class TestCertificates
{
    /// <summary>A self-signed certificate for the names, as PEM files at PATH.pem and PATH.key.</summary>
    public static (string Cert, string Key) WritePem(string path, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var n in dnsNames)
        {
            san.AddDnsName(n);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".pem", cert.ExportCertificatePem());
        File.WriteAllText(path + ".key", key.ExportPkcs8PrivateKeyPem());
        return (path + ".pem", path + ".key");
    }
}
