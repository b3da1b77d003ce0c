using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Certificates;

/// <summary>
/// The cluster's ACME state, for the edges that order certificates: the account key per CA, each name's lease (one
/// edge orders a name at a time, across edges and control plane replicas: a conditional update decides), pending
/// challenges, and the certificates every edge serves. Keys are kept with Data Protection, never in clear.
/// </summary>
public sealed class CertificateLedger(TunnelDbContext db, ConfigChangeSignal signal, IDataProtectionProvider protection, TimeProvider clock,
    ILogger<CertificateLedger> logger)
{
    private IDataProtector Protector => protection.CreateProtector("tunnel.acme.keys");
    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The account key for the CA: the one stored, or the proposed one, stored now (the first edge's wins).</summary>
    public async Task<string> AccountKeyAsync(string directoryUrl, string proposedKeyPem, CancellationToken ct)
    {
        if (directoryUrl.Length is 0 or > 1024 || !proposedKeyPem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new ArgumentException("a directory URL (at most 1024 characters) and a PEM private key are needed");
        }

        if (await db.AcmeAccounts.AsNoTracking().FirstOrDefaultAsync(a => a.DirectoryUrl == directoryUrl, ct) is { } stored)
        {
            return Protector.Unprotect(stored.ProtectedKeyPem);
        }

        db.AcmeAccounts.Add(new AcmeAccountEntity { DirectoryUrl = directoryUrl, ProtectedKeyPem = Protector.Protect(proposedKeyPem), CreatedAt = clock.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(ct);
            return proposedKeyPem;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear(); // another edge stored one first: that one is the account
            var winner = await db.AcmeAccounts.AsNoTracking().FirstAsync(a => a.DirectoryUrl == directoryUrl, ct);
            return Protector.Unprotect(winner.ProtectedKeyPem);
        }
    }

    /// <summary>
    /// Grants the name's lease to the edge when no other edge holds a live one, the name is not waiting after failures,
    /// and the certificate is still the one the edge knows (nobody renewed it meanwhile).
    /// </summary>
    public async Task<(bool Granted, string Reason)> LeaseAsync(string name, string edgeId, string knownThumbprint, int seconds, CancellationToken ct)
    {
        await EnsureRowAsync(name, ct);
        var now = Now;
        var until = now + (Math.Clamp(seconds, 10, 900) * 1000L);
        var granted = await db.Certificates
            .Where(c => c.Name == name && (c.LeaseHolder == null || c.LeaseUntilMs < now || c.LeaseHolder == edgeId)
                        && c.NextAttemptMs <= now && c.Thumbprint == knownThumbprint)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.LeaseHolder, edgeId).SetProperty(c => c.LeaseUntilMs, until), ct);
        if (granted == 1)
        {
            return (true, "");
        }

        var row = await db.Certificates.AsNoTracking().FirstAsync(c => c.Name == name, ct);
        return (false, row.Thumbprint != knownThumbprint ? "the certificate was renewed meanwhile"
            : row.NextAttemptMs > now ? $"waiting after failures until {DateTimeOffset.FromUnixTimeMilliseconds(row.NextAttemptMs):u}"
            : $"edge {row.LeaseHolder} is ordering it");
    }

    public async Task PutChallengeAsync(AcmeChallenge challenge, CancellationToken ct)
    {
        if (challenge.Remove)
        {
            await db.AcmeChallenges.Where(c => c.Token == challenge.Token).ExecuteDeleteAsync(ct);
        }
        else
        {
            if (challenge.Token.Length is 0 or > 256 || challenge.KeyAuthorization.Length > 512 || challenge.Name.Length > 253
                || challenge.Type is not ("http-01" or "tls-alpn-01"))
            {
                throw new ArgumentException("a challenge needs a token (at most 256 characters), a name, a key authorization and the type http-01 or tls-alpn-01");
            }

            await HolderOnlyAsync(challenge.Name, Columns.Cut(challenge.EdgeId, 128), ct);
            var now = Now;
            await db.AcmeChallenges.Where(c => c.ExpiresMs < now || c.Token == challenge.Token).ExecuteDeleteAsync(ct);
            db.AcmeChallenges.Add(new AcmeChallengeEntity
            {
                Token = challenge.Token, Name = challenge.Name, Type = challenge.Type, KeyAuthorization = challenge.KeyAuthorization,
                ExpiresMs = now + (10 * 60 * 1000),
            });
            await db.SaveChangesAsync(ct);
        }

        signal.NotifyChanged();
    }

    /// <summary>A pending challenge by token (http-01) or by name (tls-alpn-01); an empty one when there is none.</summary>
    public async Task<AcmeChallenge> FindChallengeAsync(AcmeChallengeQuery query, CancellationToken ct)
    {
        var now = Now;
        var found = query.Type == "http-01"
            ? await db.AcmeChallenges.AsNoTracking().FirstOrDefaultAsync(c => c.Token == query.Token && c.Type == "http-01" && c.ExpiresMs > now, ct)
            : await db.AcmeChallenges.AsNoTracking().FirstOrDefaultAsync(c => c.Name == query.Name && c.Type == query.Type && c.ExpiresMs > now, ct);
        return found is null ? new AcmeChallenge() : new AcmeChallenge { Token = found.Token, Name = found.Name, Type = found.Type, KeyAuthorization = found.KeyAuthorization };
    }

    /// <summary>Keeps a certificate an edge obtained: it must parse, match its key and name the name; the lease ends.</summary>
    public async Task StoreAsync(StoredCertificate upload, CancellationToken ct)
    {
        var now = Now;
        var edgeId = Columns.Cut(upload.EdgeId, 128);
        if (!await db.Certificates.AnyAsync(c => c.Name == upload.Name && c.Thumbprint == upload.ReplacesThumbprint
                && (c.LeaseHolder == edgeId || c.LeaseHolder == null || c.LeaseUntilMs < now), ct))
        {
            throw new InvalidOperationException($"edge {edgeId} holds no lease on {upload.Name}, and another edge holds one or renewed it");
        }

        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(upload.CertificatePem, upload.KeyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"the certificate does not load with its key: {ex.Message}");
        }

        using (leaf)
        {
            if (!leaf.MatchesHostname(upload.Name.StartsWith("*.", StringComparison.Ordinal) ? "x" + upload.Name[1..] : upload.Name, allowWildcards: true))
            {
                throw new ArgumentException($"the certificate does not name {upload.Name}");
            }

            var row = await db.Certificates.FirstAsync(c => c.Name == upload.Name, ct);
            row.CertificatePem = upload.CertificatePem;
            row.ProtectedKeyPem = Protector.Protect(upload.KeyPem);
            row.Thumbprint = Convert.ToHexString(leaf.GetCertHash(HashAlgorithmName.SHA256));
            row.Issuer = Columns.Cut(leaf.Issuer, 512);
            row.NotBeforeMs = new DateTimeOffset(leaf.NotBefore.ToUniversalTime()).ToUnixTimeMilliseconds();
            row.NotAfterMs = new DateTimeOffset(leaf.NotAfter.ToUniversalTime()).ToUnixTimeMilliseconds();
            row.IssuedAtMs = row.LastAttemptMs = Now;
            row.IssuedBy = edgeId;
            row.LastError = null;
            row.FailuresInARow = 0;
            row.NextAttemptMs = 0;
            row.LeaseHolder = null;
            row.LeaseUntilMs = 0;
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Certificate of {Name} from {Issuer} kept (obtained by edge {Edge}), valid until {NotAfter:u}",
                upload.Name, leaf.Issuer, upload.EdgeId, leaf.NotAfter.ToUniversalTime());
        }

        signal.NotifyChanged();
    }

    /// <summary>
    /// A failed order: the error is kept for `tunnel info` and the dashboard; the name's own failures make it wait
    /// (doubling from a minute, a day past the budget), the CA's do not count. The certificate in service stays.
    /// </summary>
    public async Task FailedAsync(CertificateFailure failure, CancellationToken ct)
    {
        await EnsureRowAsync(failure.Name, ct);
        var row = await db.Certificates.FirstAsync(c => c.Name == failure.Name, ct);
        var now = Now;
        row.LastAttemptMs = now;
        row.LastError = Columns.Cut(failure.Error, 4096);
        if (failure.Charged)
        {
            row.FailuresInARow++;
            var wait = row.FailuresInARow >= Math.Max(1, failure.FailureBudget) ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(Math.Pow(2, row.FailuresInARow - 1));
            row.NextAttemptMs = now + (long)wait.TotalMilliseconds;
        }

        if (row.LeaseHolder == Columns.Cut(failure.EdgeId, 128))
        {
            row.LeaseHolder = null;
            row.LeaseUntilMs = 0;
        }

        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
    }

    public async Task<CertificateBundle> FetchAsync(IEnumerable<string> names, CancellationToken ct)
    {
        var wanted = names.Take(1000).ToList();
        var rows = await db.Certificates.AsNoTracking().Where(c => wanted.Contains(c.Name) && c.CertificatePem != null).ToListAsync(ct);
        var bundle = new CertificateBundle();
        foreach (var row in rows)
        {
            bundle.Certificates.Add(new StoredCertificate { Name = row.Name, CertificatePem = row.CertificatePem!, KeyPem = Protector.Unprotect(row.ProtectedKeyPem!), EdgeId = row.IssuedBy });
        }

        return bundle;
    }

    /// <summary>
    /// What the snapshot carries: the stamp (no key) of every certificate whose name is routed (or is the quick domain's
    /// wildcard), so names no longer routed are neither served to new edges nor renewed; and the pending challenges.
    /// </summary>
    public static async Task AddToAsync(ConfigSnapshot snapshot, TunnelDbContext db, long now, CancellationToken ct)
    {
        var routed = snapshot.Tunnels.SelectMany(t => t.Hostnames).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (snapshot.QuickDomain.Length > 0)
        {
            routed.Add("*." + snapshot.QuickDomain);
        }

        foreach (var c in (await db.Certificates.AsNoTracking().OrderBy(c => c.Name).ToListAsync(ct)).Where(c => routed.Contains(c.Name)))
        {
            snapshot.Certificates.Add(new CertificateStamp
            {
                Name = c.Name, Thumbprint = c.Thumbprint, NotBeforeMs = c.NotBeforeMs, NotAfterMs = c.NotAfterMs, NextAttemptMs = c.NextAttemptMs,
            });
        }

        foreach (var c in await db.AcmeChallenges.AsNoTracking().Where(c => c.ExpiresMs > now).OrderBy(c => c.Token).ToListAsync(ct))
        {
            snapshot.AcmeChallenges.Add(new AcmeChallenge { Token = c.Token, Name = c.Name, Type = c.Type, KeyAuthorization = c.KeyAuthorization });
        }
    }

    /// <summary>
    /// Deletes the rows (their keys with them) of names no longer routed once nothing in them is worth keeping: the
    /// certificate expired, or never came, and no lease is live. A name routed again is simply ordered afresh.
    /// </summary>
    public async Task<int> PruneAsync(string quickDomain, CancellationToken ct)
    {
        var now = Now;
        var routed = (await db.Hostnames.AsNoTracking().Select(h => h.Name).ToListAsync(ct)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (quickDomain.Length > 0)
        {
            routed.Add("*." + quickDomain);
        }

        var stale = (await db.Certificates.AsNoTracking().Where(c => c.NotAfterMs < now && c.LeaseUntilMs < now).Select(c => c.Name).ToListAsync(ct))
            .Where(n => !routed.Contains(n)).ToList();
        if (stale.Count == 0)
        {
            return 0;
        }

        return await db.Certificates.Where(c => stale.Contains(c.Name) && c.NotAfterMs < now && c.LeaseUntilMs < now).ExecuteDeleteAsync(ct);
    }

    private async Task EnsureRowAsync(string name, CancellationToken ct)
    {
        if (name.Length is 0 or > 253)
        {
            throw new ArgumentException("a certificate name has 1 to 253 characters");
        }

        if (await db.Certificates.AnyAsync(c => c.Name == name, ct))
        {
            return;
        }

        db.Certificates.Add(new CertificateEntity { Name = name });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another edge made it first.
        }

        db.ChangeTracker.Clear();
    }

    /// <summary>Only the edge holding a live lease on the name publishes its challenges and its certificate.</summary>
    private async Task HolderOnlyAsync(string name, string edgeId, CancellationToken ct)
    {
        var now = Now;
        if (!await db.Certificates.AnyAsync(c => c.Name == name && c.LeaseHolder == edgeId && c.LeaseUntilMs >= now, ct))
        {
            throw new InvalidOperationException($"edge {edgeId} holds no lease on {name}");
        }
    }
}
