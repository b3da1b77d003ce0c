using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Auth;

/// <summary>
/// Turns a presented API token into a principal: the bootstrap admin key from configuration (compared in constant
/// time) or a token created in the dashboard (looked up by its SHA-256; revoked or expired tokens are refused).
/// </summary>
public sealed class ApiTokenValidator(ControlPlaneKeys keys, TunnelDbContext db, TimeProvider clock)
{
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<(ClaimsPrincipal? User, string? Error)> ValidateAsync(string presented, string authenticationType, CancellationToken ct)
    {
        if (SecretHash.KeysEqual(presented, keys.AdminApiKey))
        {
            return (Identities.For("bootstrap admin key", Identities.BootstrapActor, Roles.Admin, authenticationType), null);
        }

        var hash = SecretHash.Hash(presented);
        var token = await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
        var now = clock.GetUtcNow();
        if (token is null)
        {
            return (null, "The API token is not known here: create one in the dashboard (API tokens) or use the bootstrap ControlPlane:AdminApiKey.");
        }

        if (token.RevokedAt is not null)
        {
            return (null, $"The API token '{token.Name}' was revoked: create a new one in the dashboard.");
        }

        if (token.ExpiresAt is { } expires && expires <= now)
        {
            return (null, $"The API token '{token.Name}' expired at {expires:u}: create a new one in the dashboard.");
        }

        if (token.LastUsedAt is not { } used || now - used > LastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
        }

        return (Identities.For(token.Name, $"token:{token.Name}", token.Role, authenticationType), null);
    }
}
