using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Auth;

/// <summary>People who signed in to the dashboard and the roles admins set for them; the API and the users page share it.</summary>
public sealed class UserDirectory(TunnelDbContext db, AuditLog audit, TimeProvider clock)
{
    public Task<List<UserEntity>> ListAsync(CancellationToken ct) => db.Users.AsNoTracking().OrderBy(u => u.Login).ToListAsync(ct);

    /// <summary>Sets (or with null, clears, to follow the OIDC claim again) a person's role; before their first sign-in too.</summary>
    public async Task<Outcome<UserEntity>> SetRoleAsync(string? login, string? role, CancellationToken ct)
    {
        login = login?.Trim().ToLowerInvariant() ?? "";
        if (login.Length is 0 or > 320)
        {
            return Outcome<UserEntity>.Fail(FailureKind.Invalid, "a login is an email address (or the provider's subject) of at most 320 characters");
        }

        if (role is not null && !Roles.IsValid(role))
        {
            return Outcome<UserEntity>.Fail(FailureKind.Invalid, $"role '{role}' is not one of: {Roles.Admin}, {Roles.Viewer} (or null to follow the OIDC claim)");
        }

        var user = await db.Users.FindAsync([login], ct);
        if (user is null)
        {
            // Set before their first sign-in: an admin can grant a role to someone who has not signed in yet.
            user = new UserEntity { Login = login, FirstSeenAt = clock.GetUtcNow() };
            db.Users.Add(user);
        }

        user.Role = role;
        audit.Record("user.set_role", login, detail: $"role {role ?? "from OIDC claim"}");
        await db.SaveChangesAsync(ct);
        return user;
    }
}
