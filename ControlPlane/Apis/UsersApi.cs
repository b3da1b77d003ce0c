using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Apis;

/// <summary>People who signed in, and the role an admin set for one of them (overrides the OIDC claim at next sign-in).</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", async (TunnelDbContext db, CancellationToken ct) =>
            TypedResults.Ok((await db.Users.AsNoTracking().OrderBy(u => u.Login).ToListAsync(ct)).Select(ToResponse).ToList()));
        users.MapPut("/{login}/role", async Task<Results<Ok<UserResponse>, ProblemHttpResult>> (
            string login, SetUserRoleRequest request, TunnelDbContext db, AuditLog audit, TimeProvider clock, CancellationToken ct) =>
        {
            login = login.Trim().ToLowerInvariant();
            if (login.Length is 0 or > 320)
            {
                return Problems.BadRequest("a login is an email address (or the provider's subject) of at most 320 characters");
            }

            if (request.Role is not null && !Roles.IsValid(request.Role))
            {
                return Problems.BadRequest($"role '{request.Role}' is not one of: {Roles.Admin}, {Roles.Viewer} (or null to follow the OIDC claim)");
            }

            var user = await db.Users.FindAsync([login], ct);
            if (user is null)
            {
                // Set before their first sign-in: an admin can grant a role to someone who has not signed in yet.
                user = new UserEntity { Login = login, FirstSeenAt = clock.GetUtcNow() };
                db.Users.Add(user);
            }

            user.Role = request.Role;
            audit.Record("user.set_role", login, detail: $"role {request.Role ?? "from OIDC claim"}");
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(ToResponse(user));
        });
        return api;
    }

    private static UserResponse ToResponse(UserEntity u) =>
        new(u.Login, u.Role, u.FirstSeenAt, u.LastSeenAt);
}
