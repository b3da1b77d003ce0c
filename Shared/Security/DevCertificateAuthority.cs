using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tunnel.Shared.Security;

/// <summary>
/// A development CA, made once and kept in a data directory, that issues a server certificate per SNI name on
/// demand (curl and browsers refuse a wildcard directly under "localhost"). A single-machine stack thus speaks
/// TLS between all parts with no setup; clients trust the CA file (curl --cacert, the connector's --edge-ca).
/// </summary>
public sealed class DevCertificateAuthority
{
    public const string CaFileName = "dev-ca.pem";
    private const int MaxIssued = 1024;
    private readonly X509Certificate2 _ca;
    private readonly ConcurrentDictionary<string, X509Certificate2> _issued = new(StringComparer.OrdinalIgnoreCase);

    private DevCertificateAuthority(X509Certificate2 ca, string caPath)
    {
        _ca = ca;
        CaPath = caPath;
    }

    /// <summary>The CA certificate's PEM file, for clients to trust.</summary>
    public string CaPath { get; }

    public static DevCertificateAuthority LoadOrCreate(string directory)
    {
        Directory.CreateDirectory(directory);
        var certPath = Path.Combine(directory, CaFileName);
        var keyPath = Path.Combine(directory, "dev-ca.key");
        if (!File.Exists(certPath) || !File.Exists(keyPath))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=Tunnel development CA", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
            WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(certPath + ".tmp", cert.ExportCertificatePem());
            File.Move(certPath + ".tmp", certPath, overwrite: true);
        }

        return new DevCertificateAuthority(X509Certificate2.CreateFromPemFile(certPath, keyPath), certPath);
    }

    /// <summary>A server certificate for <paramref name="serverName"/> (and localhost, 127.0.0.1, ::1).</summary>
    public X509Certificate2 ServerCertificate(string? serverName)
    {
        var name = string.IsNullOrWhiteSpace(serverName) || serverName.Length > 253 ? "localhost" : serverName;
        if (_issued.Count >= MaxIssued)
        {
            _issued.Clear();
        }

        return _issued.GetOrAdd(name, Issue);
    }

    private X509Certificate2 Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(name, out var ip))
        {
            san.AddIpAddress(ip);
        }
        else
        {
            san.AddDnsName(name);
        }

        if (name != "localhost")
        {
            san.AddDnsName("localhost");
        }

        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(365), serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static void WritePrivate(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
