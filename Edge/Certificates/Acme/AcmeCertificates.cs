using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// Certificates this edge obtained from its ACME CA, by name, served ahead of the development certificate and after
/// configured PEM pairs; kept in the data directory (key files mode 0600) so a restarted edge serves them at once.
/// Also what the last attempt for each name did, for logs and `tunnel info`.
/// </summary>
public sealed class AcmeCertificates
{
    private readonly ConcurrentDictionary<string, (X509Certificate2 Certificate, IssuedCertificate Issued)> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, AttemptStatus> _attempts = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _directory;
    private readonly ILogger<AcmeCertificates> _logger;

    public sealed record AttemptStatus(DateTimeOffset At, string? Error, int FailuresInARow);

    public AcmeCertificates(Microsoft.Extensions.Options.IOptions<EdgeOptions> options, ILogger<AcmeCertificates> logger)
    {
        _logger = logger;
        _directory = Path.Combine(options.Value.DataDirectory, "acme");
        if (Directory.Exists(_directory))
        {
            foreach (var file in Directory.EnumerateFiles(_directory, "*.crt.pem"))
            {
                var name = Path.GetFileName(file)[..^".crt.pem".Length];
                try
                {
                    var issued = new IssuedCertificate(File.ReadAllText(file), File.ReadAllText(Path.Combine(_directory, name + ".key.pem")), default, default, "");
                    Load(name, issued);
                }
                catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or ArgumentException)
                {
                    logger.LogWarning("Could not load the stored certificate of {Name} (it is ordered again): {Error}", name, ex.Message);
                }
            }
        }
    }

    public X509Certificate2? Find(string? serverName) =>
        serverName is not null && _byName.TryGetValue(serverName, out var entry) ? entry.Certificate : null;

    public DateTimeOffset? NotAfter(string name) => _byName.TryGetValue(name, out var entry) ? entry.Certificate.NotAfter.ToUniversalTime() : null;

    public DateTimeOffset? NotBefore(string name) => _byName.TryGetValue(name, out var entry) ? entry.Certificate.NotBefore.ToUniversalTime() : null;

    public AttemptStatus? LastAttempt(string name) => _attempts.GetValueOrDefault(name);

    public void Put(string name, IssuedCertificate issued)
    {
        Load(name, issued);
        // The key first, then the certificate that names it: a crash between them leaves a key and the old pair.
        WritePrivate(_directory, name + ".key.pem", issued.KeyPem);
        WritePrivate(_directory, name + ".crt.pem", issued.CertificatePem);

        _attempts[name] = new AttemptStatus(DateTimeOffset.UtcNow, null, 0);
    }

    /// <summary>Written to a new file made 0600 (its directory 0700) and moved into place: never readable by others, never half written.</summary>
    public static void WritePrivate(string directory, string fileName, string content)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temporary = Path.Combine(directory, $".{fileName}.{Guid.NewGuid():N}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        File.Move(temporary, Path.Combine(directory, fileName), overwrite: true);
    }

    public void Failed(string name, string error, DateTimeOffset at) =>
        _attempts.AddOrUpdate(name, _ => new AttemptStatus(at, error, 1), (_, old) => new AttemptStatus(at, error, old.FailuresInARow + 1));

    private void Load(string name, IssuedCertificate issued)
    {
        var certificate = X509Certificate2.CreateFromPem(issued.CertificatePem, issued.KeyPem);
        // The TLS handshake sends the chain the platform builds for the leaf: the CA's intermediates go where it looks.
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(issued.CertificatePem);
        try
        {
            using var store = new X509Store(StoreName.CertificateAuthority, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadWrite);
            foreach (var intermediate in chain.Skip(1))
            {
                store.Add(intermediate);
            }
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            _logger.LogWarning("Could not keep the intermediates of {Name}'s certificate (clients that lack them will not trust it): {Error}", name, ex.Message);
        }

        _byName[name] = (certificate, issued);
        _logger.LogInformation("Serving the ACME certificate of {Name} from {Issuer}, valid until {NotAfter:u}", name, certificate.Issuer, certificate.NotAfter.ToUniversalTime());
    }
}
