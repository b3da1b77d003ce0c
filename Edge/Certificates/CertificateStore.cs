using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Certificates;

/// <summary>
/// Server certificates for the public and connector listeners, chosen by SNI name from the configured PEM
/// pairs (exact name first, then a wildcard); the development certificate for *.localhost when none is configured.
/// Configured files are watched: a renewed pair (an ACME client rewriting them, a Kubernetes secret update) is
/// served to new connections without a restart; a pair that does not load keeps the previous one in service.
/// </summary>
public sealed class CertificateStore : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(30);

    private readonly List<CertificateFiles> _files;
    private readonly ILogger<CertificateStore> _logger;
    private readonly DevCertificateAuthority? _devCa;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer? _reload;
    private readonly Timer? _poll;
    private volatile Loaded _loaded = Loaded.Empty;

    private sealed record Loaded(IReadOnlyList<(X509Certificate2 Certificate, string[] Names)> Certificates, string Stamp)
    {
        public static readonly Loaded Empty = new([], "");
    }

    private readonly Acme.AcmeCertificates? _acme;

    public CertificateStore(IOptions<EdgeOptions> options, ILogger<CertificateStore> logger, Acme.AcmeCertificates? acme = null)
    {
        _acme = acme;
        _files = options.Value.Certificates;
        _logger = logger;
        if (_files.Count == 0)
        {
            _devCa = DevCertificateAuthority.LoadOrCreate(Path.Combine(options.Value.DataDirectory, "certs"));
            logger.LogWarning("No certificates configured: issuing development certificates from the CA in {Path}",
                Path.GetFullPath(_devCa.CaPath));
            return;
        }

        _loaded = Load();
        _reload = new Timer(_ => Reload());
        _poll = new Timer(_ => { if (Stamp() != _loaded.Stamp) Reload(); }, null, Poll, Poll); // for file systems without change events
        foreach (var dir in _files.SelectMany(f => new[] { f.CertificatePath, f.KeyPath }).Select(p => Path.GetDirectoryName(Path.GetFullPath(p))!).Distinct())
        {
            var watcher = new FileSystemWatcher(dir) { IncludeSubdirectories = false, EnableRaisingEvents = true };
            FileSystemEventHandler changed = (_, _) => _reload.Change(Settle, Timeout.InfiniteTimeSpan); // a pair is two writes: wait for both
            watcher.Changed += changed;
            watcher.Created += changed;
            watcher.Renamed += (_, _) => _reload.Change(Settle, Timeout.InfiniteTimeSpan);
            _watchers.Add(watcher);
        }
    }

    /// <summary>Whether a configured PEM pair serves the name (exactly or by its wildcard): then it wins, and nothing is ordered for it.</summary>
    public bool Configured(string name)
    {
        var dot = name.IndexOf('.');
        var wildcard = dot > 0 ? "*" + name[dot..] : null;
        return _loaded.Certificates.Any(c => c.Names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)
            || (wildcard is not null && string.Equals(n, wildcard, StringComparison.OrdinalIgnoreCase))));
    }

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, System.Net.Security.SslStreamCertificateContext> _contexts = new();

    /// <summary>
    /// The TLS context for a server name: a configured pair first (exact, then wildcard); then the cluster's ACME
    /// certificate (with the intermediates its CA issued); then the default. Contexts are made once per certificate.
    /// </summary>
    public System.Net.Security.SslStreamCertificateContext SelectContext(string? serverName)
    {
        if (_devCa is null && Pair(serverName) is { } pair)
        {
            return Context(pair);
        }

        if (_acme?.Find(serverName) is { } acme)
        {
            return acme;
        }

        return Context(_devCa is not null ? _devCa.ServerCertificate(serverName) : _loaded.Certificates[0].Certificate);
    }

    private System.Net.Security.SslStreamCertificateContext Context(X509Certificate2 certificate) =>
        _contexts.GetValue(certificate, c => System.Net.Security.SslStreamCertificateContext.Create(c, null, offline: true));

    public X509Certificate2 Select(string? serverName)
    {
        if (_devCa is not null)
        {
            return _devCa.ServerCertificate(serverName);
        }

        return Pair(serverName) ?? _loaded.Certificates[0].Certificate;
    }

    /// <summary>The configured pair for the name, exact first, then its wildcard; the first pair when there is no name.</summary>
    private X509Certificate2? Pair(string? serverName)
    {

        var certificates = _loaded.Certificates;
        if (string.IsNullOrEmpty(serverName))
        {
            return certificates[0].Certificate;
        }

        foreach (var (cert, names) in certificates)
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
            foreach (var (cert, names) in certificates)
            {
                if (names.Any(n => string.Equals(n, wildcard, StringComparison.OrdinalIgnoreCase)))
                {
                    return cert;
                }
            }
        }

        return null;
    }

    private void Reload()
    {
        try
        {
            var loaded = Load();
            if (loaded.Certificates.Select(c => c.Certificate.Thumbprint).SequenceEqual(_loaded.Certificates.Select(c => c.Certificate.Thumbprint)))
            {
                _loaded = loaded with { Certificates = _loaded.Certificates };
                return;
            }

            // The previous certificates are not disposed: handshakes in progress may still hold them.
            _loaded = loaded;
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Certificate files changed but do not load ({Error}); still serving the previous certificates until they are fixed", ex.Message);
        }
    }

    private Loaded Load()
    {
        var stamp = Stamp();
        var certificates = new List<(X509Certificate2, string[])>();
        for (var i = 0; i < _files.Count; i++)
        {
            var files = _files[i];
            X509Certificate2 cert;
            try
            {
                cert = X509Certificate2.CreateFromPemFile(files.CertificatePath, files.KeyPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                throw new InvalidOperationException(
                    $"Edge:Certificates:{i}: cannot load the certificate {files.CertificatePath} with the key {files.KeyPath}: {ex.Message}", ex);
            }

            // The handshake sends the intermediates the file holds after the leaf (a fullchain PEM), whatever the
            // machine's stores hold; a context per certificate is made once.
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(files.CertificatePath);
            var intermediates = new X509Certificate2Collection();
            foreach (var c in chain.Skip(1))
            {
                intermediates.Add(c);
            }

            _contexts.AddOrUpdate(cert, System.Net.Security.SslStreamCertificateContext.Create(cert, intermediates, offline: true));
            var names = DnsNames(cert);
            _logger.LogInformation("Loaded certificate {Subject} for {Names}, valid until {NotAfter:u}", cert.Subject, string.Join(", ", names), cert.NotAfter.ToUniversalTime());
            certificates.Add((cert, names));
        }

        return new Loaded(certificates, stamp);
    }

    /// <summary>What the files look like now, cheaply: their sizes and write times.</summary>
    private string Stamp() => string.Join('|', _files.SelectMany(f => new[] { f.CertificatePath, f.KeyPath }).Select(p =>
    {
        var info = new FileInfo(p);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : "-";
    }));

    private static string[] DnsNames(X509Certificate2 cert)
    {
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return san is null ? [cert.GetNameInfo(X509NameType.DnsName, false)] : san.EnumerateDnsNames().ToArray();
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _reload?.Dispose();
        _poll?.Dispose();
    }
}
