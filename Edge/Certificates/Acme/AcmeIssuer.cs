using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// Obtains a certificate from the configured ACME CA for every hostname routed in the control plane (never for a name
/// that is not: a scanner's SNI never causes an order), one order at a time; renews at two thirds of a certificate's
/// life; a name whose orders keep failing waits (doubling, up to a day past its failure budget), and the failure never
/// stops the edge serving what it has. Wildcard routes need DNS-01, which this edge does not do yet: they are skipped.
/// </summary>
public sealed class AcmeIssuer(ConfigStore config, AcmeCertificates certificates, Http01Challenges http01, CertificateStore configured,
    IOptions<EdgeOptions> options, TimeProvider clock, ILogger<AcmeIssuer> logger) : BackgroundService
{
    private readonly Dictionary<string, DateTimeOffset> _notBefore = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Problems of the CA or the way to it (down, rate limited, the account) pause every order, and no name is charged.</summary>
    private DateTimeOffset _pausedUntil;
    private int _pauses;

    private static readonly HashSet<string> NameProblems = new(StringComparer.Ordinal)
    {
        "urn:ietf:params:acme:error:unauthorized", "urn:ietf:params:acme:error:rejectedIdentifier", "urn:ietf:params:acme:error:caa",
        "urn:ietf:params:acme:error:dns", "urn:ietf:params:acme:error:connection", "urn:ietf:params:acme:error:incorrectResponse",
        "urn:ietf:params:acme:error:tls", "urn:ietf:params:acme:error:malformed", "about:blank",
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value.Acme;
        if (string.IsNullOrEmpty(o.DirectoryUrl) || options.Value.PublicHttpPort == 0)
        {
            if (!string.IsNullOrEmpty(o.DirectoryUrl))
            {
                logger.LogError("Edge:Acme:DirectoryUrl is set but the edge has no public HTTP port (Edge:PublicHttpPort): HTTP-01 cannot be answered, no certificate is ordered");
            }

            return;
        }

        AcmeClient client;
        HttpClient http;
        try
        {
            http = new HttpClient(TrustedCertificates.CreateHandler(o.DirectoryCa)) { Timeout = TimeSpan.FromSeconds(30) };
            client = new AcmeClient(http, new Uri(o.DirectoryUrl), new AcmeJws(AccountKey()), clock);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or UriFormatException or ArgumentException)
        {
            logger.LogError("ACME is configured but cannot start (no certificate is ordered; the edge serves what it has): {Error}", ex.Message);
            return;
        }

        using var _ = http;
        var changed = new SemaphoreSlim(0);
        config.Changed += () => changed.Release();
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var name in Wanted())
            {
                if (clock.GetUtcNow() < _pausedUntil)
                {
                    break;
                }

                await TryOrderAsync(client, name, o, stoppingToken);
            }

            await changed.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Routed exact names whose certificate is missing or two thirds through its life, and not waiting after failures.</summary>
    private IEnumerable<string> Wanted()
    {
        var now = clock.GetUtcNow();
        // Not quick tunnels' names (strangers open them), not wildcards (DNS-01), not names a configured pair serves.
        foreach (var name in config.Tunnels.Where(t => !t.Quick).SelectMany(t => t.Hostnames)
                     .Where(h => !h.StartsWith("*.", StringComparison.Ordinal)).Distinct(StringComparer.OrdinalIgnoreCase).Where(n => !configured.Configured(n)))
        {
            if (_notBefore.TryGetValue(name, out var wait) && wait > now)
            {
                continue;
            }

            if (certificates.NotAfter(name) is { } notAfter && certificates.NotBefore(name) is { } notBefore
                && now < notBefore + ((notAfter - notBefore) * 2 / 3))
            {
                continue; // renewal is due at two thirds of the lifetime
            }

            yield return name;
        }
    }

    private async Task TryOrderAsync(AcmeClient client, string name, AcmeOptions o, CancellationToken ct)
    {
        try
        {
            await client.EnsureAccountAsync(o.Email, ct);
            var issued = await client.OrderAsync([name], http01, ct);
            certificates.Put(name, issued);
            _notBefore.Remove(name);
            _pauses = 0;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Whatever went wrong (the CA's answer, the network, an odd document, the disk), it is this name's failure:
            // the edge goes on serving what it has.
            var now = clock.GetUtcNow();
            if (ex is not AcmeProblemException { Type: var type } || !NameProblems.Contains(type))
            {
                // The CA is down, rate limits us, or refuses the account: not this name's fault, so no name is charged.
                var pause = TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, _pauses++)));
                _pausedUntil = now + pause;
                logger.LogWarning("The ACME CA could not be used (every order waits {Pause}): {Error}{Document}", pause, ex.Message,
                    ex is AcmeProblemException { Document: { } document } ? $" [{document}]" : "");
                return;
            }

            _pauses = 0;
            certificates.Failed(name, ex.Message, now);
            var failures = certificates.LastAttempt(name)?.FailuresInARow ?? 1;
            // Doubling from a minute; past the budget, a day (the CA's rate limits count every failed order).
            var wait = failures >= o.FailureBudget ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(Math.Pow(2, failures - 1));
            _notBefore[name] = now + wait;
            logger.LogWarning("Could not obtain a certificate for {Name} (failure {Failures} in a row; next try in {Wait}): {Error}{Document}",
                name, failures, wait, ex.Message, ex is AcmeProblemException { Document: { } doc } ? $" [{doc}]" : "");
        }
    }

    /// <summary>The account key, kept in the data directory (mode 0600) so the account survives restarts.</summary>
    private ECDsa AccountKey()
    {
        var path = Path.Combine(options.Value.DataDirectory, "acme", "account.key.pem");
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            return key;
        }

        AcmeCertificates.WritePrivate(Path.GetDirectoryName(path)!, Path.GetFileName(path), key.ExportPkcs8PrivateKeyPem());
        return key;
    }
}
