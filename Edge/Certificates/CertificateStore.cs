using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Certificates;

/// <summary>
/// Server certificates for the public and connector listeners, chosen by SNI name from the configured PEM
/// pairs (exact name first, then a wildcard); the development certificate for *.localhost when none is configured.
/// </summary>
public sealed class CertificateStore
{
    private readonly List<(X509Certificate2 Certificate, string[] Names)> _certificates = [];
    private readonly X509Certificate2? _default;
    private readonly DevCertificateAuthority? _devCa;

    public CertificateStore(IOptions<EdgeOptions> options, ILogger<CertificateStore> logger)
    {
        foreach (var files in options.Value.Certificates)
        {
            var cert = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
            var names = DnsNames(cert);
            logger.LogInformation("Loaded certificate {Subject} for {Names}", cert.Subject, string.Join(", ", names));
            _certificates.Add((cert, names));
        }

        if (_certificates.Count == 0)
        {
            _devCa = DevCertificateAuthority.LoadOrCreate(Path.Combine(options.Value.DataDirectory, "certs"));
            logger.LogWarning("No certificates configured: issuing development certificates from the CA in {Path}",
                Path.GetFullPath(_devCa.CaPath));
        }
        else
        {
            _default = _certificates[0].Certificate;
        }
    }

    public X509Certificate2 Select(string? serverName)
    {
        if (_devCa is not null)
        {
            return _devCa.ServerCertificate(serverName);
        }

        if (string.IsNullOrEmpty(serverName))
        {
            return _default!;
        }

        foreach (var (cert, names) in _certificates)
        {
            if (names.Any(n => string.Equals(n, serverName, StringComparison.OrdinalIgnoreCase)))
            {
                return cert;
            }
        }

        var dot = serverName.IndexOf('.');
        if (dot > 0)
        {
            var wildcard = "*" + serverName[dot..];
            foreach (var (cert, names) in _certificates)
            {
                if (names.Any(n => string.Equals(n, wildcard, StringComparison.OrdinalIgnoreCase)))
                {
                    return cert;
                }
            }
        }

        return _default!;
    }

    private static string[] DnsNames(X509Certificate2 cert)
    {
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return san is null ? [cert.GetNameInfo(X509NameType.DnsName, false)] : san.EnumerateDnsNames().ToArray();
    }
}
