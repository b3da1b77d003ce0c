using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Access;

namespace Tunnel.ControlPlane.Access;

/// <summary>
/// The Access part of the config snapshot. Also keeps the keys fresh: a new signing key every
/// <see cref="KeyLifetime"/>, the previous one kept for verification until the sessions it signed ran out; and the
/// edges' shared data-protection key ring (<see cref="EdgeSessionKeys"/>).
/// </summary>
public sealed class AccessSnapshotBuilder(TunnelDbContext db, AccessCatalog catalog, TimeProvider clock)
{
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(7);

    private sealed record StoredKey(string Kid, DateTimeOffset CreatedAt, string ProtectedPem);

    public async Task<AccessSnapshot> BuildAsync(CancellationToken ct)
    {
        var applications = await catalog.ListApplicationsAsync(ct);
        var now = clock.GetUtcNow();
        var tokens = (await db.ServiceTokens.AsNoTracking().Where(t => t.RevokedAt == null).ToListAsync(ct))
            .Where(t => t.ExpiresAt is null || t.ExpiresAt > now)
            .Select(t => new ServiceTokenConfig(t.ClientId, t.Name, Convert.ToBase64String(t.SecretHash), t.ExpiresAt))
            .ToList();

        var settings = await RotatedSettingsAsync(now, ct);
        var provider = settings is { AuthHostname: { } host, Authority: { } authority, ClientId: { } clientId, ProtectedClientSecret: { } secret }
            ? new IdentityProviderConfig(host, authority, clientId, catalog.Unprotect(secret), settings.Scopes, settings.GroupClaim)
            : null;
        // A revocation matters only while sessions issued before it could still be alive (30 days at most).
        var revoked = (Read<Dictionary<string, DateTimeOffset>>(settings.RevokedSessionsJson) ?? [])
            .Where(r => now - r.Value < TimeSpan.FromDays(30)).ToDictionary();
        return new AccessSnapshot(applications, tokens, provider,
            (Read<List<StoredKey>>(settings.SigningKeysJson) ?? []).OrderByDescending(k => k.CreatedAt)
                .Select(k => new SigningKeyConfig(k.Kid, catalog.Unprotect(k.ProtectedPem), k.CreatedAt)).ToList(),
            revoked,
            (Read<List<EdgeSessionKeys.StoredKey>>(settings.SessionKeysJson) ?? []).Select(k => catalog.Unprotect(k.ProtectedXml)).ToList());
    }

    /// <summary>
    /// The settings with both key sets rotated when due. Every edge's config stream (and every control plane replica)
    /// builds snapshots, so two may rotate at once: the key columns are concurrency tokens, the first save wins and the
    /// others read its keys, so no edge is handed a key that is then lost.
    /// </summary>
    private async Task<AccessSettingsEntity> RotatedSettingsAsync(DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var settings = await catalog.LoadSettingsAsync(ct);
            if (!(RotateSigningKeys(settings, now) | RotateSessionKeys(settings, now)))
            {
                return settings;
            }

            try
            {
                await db.SaveChangesAsync(ct);
                return settings;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                db.ChangeTracker.Clear(); // another writer was first (an update, or the first insert of the row)
            }
        }
    }

    private bool RotateSigningKeys(AccessSettingsEntity settings, DateTimeOffset now)
    {
        var keys = Read<List<StoredKey>>(settings.SigningKeysJson) ?? [];
        if (keys.Count > 0 && now - keys.Max(k => k.CreatedAt) <= KeyLifetime)
        {
            return false;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        keys.Add(new StoredKey(Guid.NewGuid().ToString("N")[..16], now, catalog.Protect(key.ExportPkcs8PrivateKeyPem())));
        settings.SigningKeysJson = AccessJson.Serialize(keys.OrderByDescending(k => k.CreatedAt).Take(2).ToList());
        return true;
    }

    private bool RotateSessionKeys(AccessSettingsEntity settings, DateTimeOffset now)
    {
        var rotated = EdgeSessionKeys.Rotate(Read<List<EdgeSessionKeys.StoredKey>>(settings.SessionKeysJson) ?? [], now, catalog.Protect);
        if (rotated is null)
        {
            return false;
        }

        settings.SessionKeysJson = AccessJson.Serialize(rotated);
        return true;
    }

    /// <summary>A JSON column; empty (a column added to existing rows by a migration) reads as nothing.</summary>
    private static T? Read<T>(string json) => string.IsNullOrEmpty(json) ? default : AccessJson.Deserialize<T>(json);
}
