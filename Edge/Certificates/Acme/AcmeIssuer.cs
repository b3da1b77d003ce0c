using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// Orders certificates from the configured ACME CA for every name routed in the control plane (never for a name that
/// is not: a scanner's SNI never causes an order): exact hostnames through HTTP-01 or TLS-ALPN-01, wildcard routes and
/// the quick-tunnel domain's wildcard through DNS-01. One edge orders a name at a time (a lease the control plane
/// grants); what it obtains goes to the control plane, and every edge serves it. Renewal comes at two thirds of the
/// lifetime, a little earlier per name (jitter, so a cluster's names do not renew together). A name's own failures
/// make it wait (doubling, a day past its budget, kept in the control plane); the CA's problems pause every order for
/// as long as it asks (Retry-After) and charge no name. Nothing here stops the edge serving what it has.
/// </summary>
public sealed class AcmeIssuer(ConfigStore config, ControlPlaneChannel channel, AcmeCertificates certificates, ClusterChallenges challenges,
    Dns01Updates dns, CertificateStore configured, IOptions<EdgeOptions> options, TimeProvider clock, ILogger<AcmeIssuer> logger) : BackgroundService
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);
    private DateTimeOffset _pausedUntil;
    private int _pauses;
    /// <summary>Obtained but not yet kept by the control plane (it was unreachable): kept there before anything is ordered again.</summary>
    private readonly Dictionary<string, StoredCertificate> _unsaved = new(StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> NameProblems = new(StringComparer.Ordinal)
    {
        "urn:ietf:params:acme:error:unauthorized", "urn:ietf:params:acme:error:rejectedIdentifier", "urn:ietf:params:acme:error:caa",
        "urn:ietf:params:acme:error:dns", "urn:ietf:params:acme:error:connection", "urn:ietf:params:acme:error:incorrectResponse",
        "urn:ietf:params:acme:error:tls", "urn:ietf:params:acme:error:malformed",
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value.Acme;
        var e = options.Value;
        if (string.IsNullOrEmpty(o.DirectoryUrl))
        {
            return;
        }

        var challenge = o.Challenge ?? (e.PublicHttpPort > 0 ? "http-01" : "tls-alpn-01");
        if (challenge == "http-01" ? e.PublicHttpPort == 0 : e.PublicHttpsPort == 0)
        {
            logger.LogError("Edge:Acme: the {Challenge} challenge needs the public {Port} port, which this edge does not listen on: no certificate is ordered",
                challenge, challenge == "http-01" ? "HTTP (Edge:PublicHttpPort)" : "HTTPS (Edge:PublicHttpsPort)");
            return;
        }

        (string, string)? eab = string.IsNullOrEmpty(o.EabKeyId) || string.IsNullOrEmpty(o.EabHmacKey) ? null : (o.EabKeyId, o.EabHmacKey);
        using var http = new HttpClient(TrustedCertificates.CreateHandler(o.DirectoryCa)) { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(AcmeClient.UserAgent);
        var changed = new SemaphoreSlim(0);
        config.Changed += () => changed.Release();
        AcmeClient? client = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var pending in _unsaved.Values.ToList())
                {
                    await SaveAsync(pending, stoppingToken);
                }

                client ??= new AcmeClient(http, new Uri(o.DirectoryUrl), new AcmeJws(await AccountKeyAsync(o.DirectoryUrl, stoppingToken)), clock);
                // Names without a certificate first: a new route waits behind no renewal.
                var due = Due().OrderBy(d => d.Known.Length > 0).ToList();
                if (due.Count > 0 && clock.GetUtcNow() >= _pausedUntil && await AccountReadyAsync(client, o, eab, stoppingToken))
                {
                    foreach (var (name, known) in due)
                    {
                        if (clock.GetUtcNow() < _pausedUntil || stoppingToken.IsCancellationRequested)
                        {
                            break;
                        }

                        await TryOrderAsync(client, name, known, o, stoppingToken);
                    }
                }
            }
            catch (Exception ex) when (ex is RpcException or UriFormatException or CryptographicException or ArgumentException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("ACME: cannot go on now (the edge serves what it has; retrying): {Error}", ex is RpcException r ? r.Status.Detail : ex.Message);
            }

            await changed.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Routed names (and the quick domain's wildcard) whose certificate is missing or due for renewal, not waiting after
    /// failures, with the thumbprint this edge knows for each. Not: quick tunnels' own names (strangers open them),
    /// names a configured pair serves, wildcards without DNS-01.
    /// </summary>
    private IEnumerable<(string Name, string Known)> Due()
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var stamps = config.CertificateStamps.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var names = config.Tunnels.Where(t => !t.Quick).SelectMany(t => t.Hostnames)
            .Concat(config.QuickDomain is { Length: > 0 } quick && config.Tunnels.Any(t => t.Quick) ? [$"*.{quick}"] : [])
            .Where(n => dns.Configured || !n.StartsWith("*.", StringComparison.Ordinal))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(n => !configured.Configured(n.StartsWith("*.", StringComparison.Ordinal) ? "x" + n[1..] : n));
        foreach (var name in names)
        {
            var stamp = stamps.GetValueOrDefault(name);
            if (stamp is not null && stamp.NextAttemptMs > now)
            {
                continue;
            }

            if (stamp is { Thumbprint.Length: > 0 } && now < RenewAt(stamp))
            {
                continue;
            }

            yield return (name, stamp?.Thumbprint ?? "");
        }
    }

    /// <summary>Two thirds into the lifetime, less up to a tenth of it, fixed per name and certificate.</summary>
    public static long RenewAt(CertificateStamp stamp)
    {
        var lifetime = stamp.NotAfterMs - stamp.NotBeforeMs;
        var jitter = BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(stamp.Name + stamp.Thumbprint))) % 1000 / 1000.0;
        return stamp.NotBeforeMs + (lifetime * 2 / 3) - (long)(lifetime / 10 * jitter);
    }

    /// <summary>The account exists at the CA; its problems (a refused binding, a deactivated account) pause orders and charge no name.</summary>
    private async Task<bool> AccountReadyAsync(AcmeClient client, AcmeOptions o, (string, string)? eab, CancellationToken ct)
    {
        try
        {
            await client.EnsureAccountAsync(o.Email, eab, ct);
            return true;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            var pause = ex is AcmeProblemException { RetryAfter: { } asked } && asked > TimeSpan.Zero ? asked : TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, _pauses++)));
            _pausedUntil = clock.GetUtcNow() + pause;
            logger.LogWarning("The ACME account could not be made or found at the CA (every order waits {Pause}): {Error}{Document}", pause, ex.Message,
                ex is AcmeProblemException { Document: { } document } ? $" [{document}]" : "");
            return false;
        }
    }

    private async Task TryOrderAsync(AcmeClient client, string name, string known, AcmeOptions o, CancellationToken ct)
    {
        var lease = await channel.Client.LeaseCertificateAsync(
            new CertificateLeaseRequest { Name = name, EdgeId = options.Value.Id, KnownThumbprint = known, Seconds = (int)Lease.TotalSeconds },
            deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: ct);
        if (!lease.Granted)
        {
            logger.LogDebug("Not ordering {Name}: {Reason}", name, lease.Reason);
            return;
        }

        string certificatePem, keyPem;
        try
        {
            using var orderTime = CancellationTokenSource.CreateLinkedTokenSource(ct);
            orderTime.CancelAfter(Lease - TimeSpan.FromMinutes(1)); // never past the lease: another edge may take it then
            var issued = await client.OrderAsync([name], challenges, orderTime.Token);
            (certificatePem, keyPem) = (issued.CertificatePem, issued.KeyPem);
            _pauses = 0;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            await FailedAsync(name, ex, o, ct);
            return;
        }

        try
        {
            certificates.Put(name, certificatePem, keyPem); // served here at once, whatever happens next
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            logger.LogWarning("The certificate of {Name} could not be kept in the data directory (it goes to the control plane all the same): {Error}", name, ex.Message);
        }

        var stored = new StoredCertificate { Name = name, EdgeId = options.Value.Id, CertificatePem = certificatePem, KeyPem = keyPem, ReplacesThumbprint = known };
        _unsaved[name] = stored;
        await SaveAsync(stored, ct);
        logger.LogInformation("Obtained a certificate for {Name}; every edge serves it", name);
    }

    private async Task SaveAsync(StoredCertificate stored, CancellationToken ct)
    {
        try
        {
            await channel.Client.StoreCertificateAsync(stored, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
            _unsaved.Remove(stored.Name);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.FailedPrecondition or StatusCode.InvalidArgument)
        {
            _unsaved.Remove(stored.Name); // the lease ran out, or the control plane refuses it: another order will do
            logger.LogWarning("The control plane did not keep the certificate of {Name}: {Error}", stored.Name, ex.Status.Detail);
        }
    }

    private async Task FailedAsync(string name, Exception ex, AcmeOptions o, CancellationToken ct)
    {
        var problem = ex as AcmeProblemException;
        // The name's own: a problem type about the identifier, not from a CA in trouble (5xx, 429) — those pause everything.
        var charged = problem is { Type: var type, Status: < 500 and not 429 } && NameProblems.Contains(type);
        var error = (ex is OperationCanceledException ? "the order took longer than its lease" : ex.Message)
            + (problem?.Document is { } document ? $" [{document}]" : "");
        if (!charged)
        {
            // The CA is down, rate limits us, or refuses the account: not this name's fault, so no name is charged.
            var pause = problem?.RetryAfter is { } asked && asked > TimeSpan.Zero ? asked : TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, _pauses++)));
            _pausedUntil = clock.GetUtcNow() + pause;
            logger.LogWarning("The ACME CA could not be used (every order waits {Pause}): {Error}", pause, error);
        }
        else
        {
            logger.LogWarning("Could not obtain a certificate for {Name} (the one in service, if any, stays): {Error}", name, error);
        }

        await channel.Client.ReportCertificateFailureAsync(
            new CertificateFailure { Name = name, EdgeId = options.Value.Id, Error = error, Charged = charged, FailureBudget = o.FailureBudget },
            deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: ct);
    }

    /// <summary>The cluster's account key for this CA: the control plane keeps the first one any edge proposed.</summary>
    private async Task<ECDsa> AccountKeyAsync(string directoryUrl, CancellationToken ct)
    {
        using var proposed = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var answer = await channel.Client.GetAcmeAccountAsync(new AcmeAccountRequest { DirectoryUrl = directoryUrl, ProposedKeyPem = proposed.ExportPkcs8PrivateKeyPem() },
            deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: ct);
        var key = ECDsa.Create();
        key.ImportFromPem(answer.KeyPem);
        return key;
    }
}
