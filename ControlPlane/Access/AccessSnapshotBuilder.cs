using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.Shared.Access;

namespace Tunnel.ControlPlane.Access;

/// <summary>
/// The Access part of the config snapshot. Also keeps the signing keys fresh: a new key every
/// <see cref="KeyLifetime"/>, the previous one kept for verification until the sessions it signed ran out.
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

        var settings = await catalog.LoadSettingsAsync(ct);
        var keys = AccessJson.Deserialize<List<StoredKey>>(settings.SigningKeysJson) ?? [];
        if (keys.Count == 0 || now - keys.Max(k => k.CreatedAt) > KeyLifetime)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            keys.Add(new StoredKey(Guid.NewGuid().ToString("N")[..16], now, catalog.Protect(key.ExportPkcs8PrivateKeyPem())));
            keys = keys.OrderByDescending(k => k.CreatedAt).Take(2).ToList();
            settings.SigningKeysJson = AccessJson.Serialize(keys);
            await db.SaveChangesAsync(ct);
        }

        var provider = settings is { AuthHostname: { } host, Authority: { } authority, ClientId: { } clientId, ProtectedClientSecret: { } secret }
            ? new IdentityProviderConfig(host, authority, clientId, catalog.Unprotect(secret), settings.Scopes, settings.GroupClaim)
            : null;
        // A revocation matters only while sessions issued before it could still be alive (30 days at most).
        var revoked = (AccessJson.Deserialize<Dictionary<string, DateTimeOffset>>(settings.RevokedSessionsJson) ?? [])
            .Where(r => now - r.Value < TimeSpan.FromDays(30)).ToDictionary();
        return new AccessSnapshot(applications, tokens, provider,
            keys.OrderByDescending(k => k.CreatedAt).Select(k => new SigningKeyConfig(k.Kid, catalog.Unprotect(k.ProtectedPem), k.CreatedAt)).ToList(),
            revoked);
    }
}
