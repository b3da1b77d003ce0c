using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// The cluster's ACME certificates as this edge serves them, by name (exact, or *.parent for a wildcard), after
/// configured PEM pairs and ahead of the development certificate. They come from the control plane (any edge may have
/// ordered one) and are kept in the data directory too (key files mode 0600), so a restarted edge serves them at once,
/// the control plane down or not. Each is served with the intermediates its CA issued, from one cached TLS context.
/// </summary>
public sealed class AcmeCertificates
{
    private readonly ConcurrentDictionary<string, Held> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _directory;
    private readonly ILogger<AcmeCertificates> _logger;

    private sealed record Held(X509Certificate2 Leaf, SslStreamCertificateContext Context, string Thumbprint);

    public AcmeCertificates(Microsoft.Extensions.Options.IOptions<EdgeOptions> options, ILogger<AcmeCertificates> logger)
    {
        _logger = logger;
        _directory = Path.Combine(options.Value.DataDirectory, "acme");
        try
        {
            if (!Directory.Exists(_directory))
            {
                return;
            }

            foreach (var file in Directory.EnumerateFiles(_directory, "*.crt.pem"))
            {
                var name = FileName.Decode(Path.GetFileName(file)[..^".crt.pem".Length]);
                try
                {
                    Load(name, File.ReadAllText(file), File.ReadAllText(file[..^".crt.pem".Length] + ".key.pem"));
                }
                catch (Exception ex)
                {
                    logger.LogWarning("Could not load the stored certificate of {Name} (the control plane's copy is fetched again): {Error}", name, ex.Message);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not read the stored ACME certificates in {Directory}: {Error}", _directory, ex.Message);
        }
    }

    /// <summary>The TLS context for a server name: its own certificate, else its parent's wildcard; null when neither is held or it expired.</summary>
    public SslStreamCertificateContext? Find(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName))
        {
            return null;
        }

        if (_byName.TryGetValue(serverName, out var held) && held.Leaf.NotAfter > DateTime.Now)
        {
            return held.Context;
        }

        var dot = serverName.IndexOf('.');
        return dot > 0 && _byName.TryGetValue("*" + serverName[dot..], out var wildcard) && wildcard.Leaf.NotAfter > DateTime.Now ? wildcard.Context : null;
    }

    public string Thumbprint(string name) => _byName.TryGetValue(name, out var held) ? held.Thumbprint : "";

    /// <summary>Serves the pair and keeps it on disk (the key first: a crash between the two leaves the old pair whole).</summary>
    public void Put(string name, string certificatePem, string keyPem)
    {
        if (name.Length is 0 or > 253 || name.Contains('/') || name.Contains('\\') || name.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a host name");
        }

        var thumbprint = Load(name, certificatePem, keyPem);
        var file = FileName.Encode(name);
        WritePrivate(_directory, file + ".key.pem", keyPem);
        WritePrivate(_directory, file + ".crt.pem", certificatePem);
        _logger.LogInformation("Serving the ACME certificate of {Name} ({Thumbprint})", name, thumbprint[..16]);
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

    private string Load(string name, string certificatePem, string keyPem)
    {
        var leaf = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certificatePem);
        // The handshake sends the intermediates the CA issued with the leaf, whatever the platform's stores hold.
        var intermediates = new X509Certificate2Collection();
        foreach (var c in chain.Skip(1))
        {
            intermediates.Add(c);
        }

        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        var thumbprint = Convert.ToHexString(leaf.GetCertHash(HashAlgorithmName.SHA256));
        _byName[name] = new Held(leaf, context, thumbprint);
        return thumbprint;
    }

    /// <summary>A wildcard's name on disk: "*" is spelled "_wildcard_" (names themselves never hold an underscore run like it).</summary>
    private static class FileName
    {
        public static string Encode(string name) => name.Replace("*", "_wildcard_", StringComparison.Ordinal);
        public static string Decode(string file) => file.Replace("_wildcard_", "*", StringComparison.Ordinal);
    }
}
