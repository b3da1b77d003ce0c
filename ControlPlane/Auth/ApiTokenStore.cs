using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Auth;

/// <summary>Creates, lists and revokes API tokens. A token is shown once; only its hash is kept.</summary>
public sealed class ApiTokenStore(TunnelDbContext db, AuditLog audit, TimeProvider clock, IHttpContextAccessor http)
{
    public const string TokenPrefix = "tnl_";

    public Task<List<ApiTokenEntity>> ListAsync(CancellationToken ct) =>
        db.ApiTokens.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct);

    public async Task<Outcome<(ApiTokenEntity Entity, string Token)>> CreateAsync(string? name, string? role, int? expiresInDays, CancellationToken ct)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 64 || name.Any(char.IsControl))
        {
            return Outcome<(ApiTokenEntity, string)>.Fail(FailureKind.Invalid, "a token needs a name of 1 to 64 printable characters, e.g. 'ci-deploy'");
        }

        role ??= Roles.Viewer;
        if (!Roles.IsValidForToken(role))
        {
            return Outcome<(ApiTokenEntity, string)>.Fail(FailureKind.Invalid, $"role '{role}' is not one of: {Roles.Admin}, {Roles.Viewer}, {Roles.Quick} (opens quick tunnels only)");
        }

        if (expiresInDays is < 1 or > 3650)
        {
            return Outcome<(ApiTokenEntity, string)>.Fail(FailureKind.Invalid, "expiresInDays must be between 1 and 3650, or left out for a token that does not expire");
        }

        var token = TokenPrefix + SecretHash.NewSecret();
        var now = clock.GetUtcNow();
        var entity = new ApiTokenEntity
        {
            Id = Guid.NewGuid(),
            Name = name,
            Role = role,
            TokenHash = SecretHash.Hash(token),
            Prefix = token[..8],
            CreatedBy = http.HttpContext is { } context ? Identities.Actor(context.User) : "system",
            CreatedAt = now,
            ExpiresAt = expiresInDays is { } days ? now.AddDays(days) : null,
        };
        db.ApiTokens.Add(entity);
        audit.Record("api_token.create", name, detail: $"role {role}");
        await db.SaveChangesAsync(ct);
        return (entity, token);
    }

    public async Task<Outcome<ApiTokenEntity>> RevokeAsync(Guid id, CancellationToken ct)
    {
        var entity = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id, ct);
        if (entity is null)
        {
            return Outcome<ApiTokenEntity>.Fail(FailureKind.NotFound, $"no API token with id '{id}': list them with GET /api/tokens");
        }

        if (entity.RevokedAt is null)
        {
            entity.RevokedAt = clock.GetUtcNow();
            audit.Record("api_token.revoke", entity.Name);
            await db.SaveChangesAsync(ct);
        }

        return entity;
    }
}
