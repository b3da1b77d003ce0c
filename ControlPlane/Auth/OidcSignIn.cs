using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Auth;

/// <summary>
/// After the provider vouched for someone (and the userinfo claims, groups among them, arrived): records them as
/// a user and gives the session its one role.
/// </summary>
public static class OidcSignIn
{
    public static async Task OnTicketReceivedAsync(TicketReceivedContext context, OidcLoginOptions options)
    {
        var claims = context.Principal!;
        var login = (claims.FindFirstValue("email") ?? claims.FindFirstValue("sub") ?? "").Trim().ToLowerInvariant();
        var services = context.HttpContext.RequestServices;
        var db = services.GetRequiredService<TunnelDbContext>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();

        var user = await db.Users.FindAsync([login], context.HttpContext.RequestAborted);
        if (user is null)
        {
            user = new UserEntity { Login = login, FirstSeenAt = now };
            db.Users.Add(user);
        }

        user.LastSeenAt = now;
        var role = user.Role ?? RoleFromClaims(claims, options);
        if (login.Length == 0 || role is null)
        {
            await db.SaveChangesAsync(context.HttpContext.RequestAborted);
            context.Response.Redirect($"/denied?login={Uri.EscapeDataString(login)}");
            context.HandleResponse();
            return;
        }

        services.GetRequiredService<AuditLog>().Record("user.sign_in", login, null, $"role {role}", actor: $"user:{login}");
        await db.SaveChangesAsync(context.HttpContext.RequestAborted);
        context.Principal = Identities.For(login, $"user:{login}", role, "oidc");
    }

    /// <summary>A failed callback (provider error, wrong client secret, expired state) lands on the sign-in page with a reason.</summary>
    public static Task OnRemoteFailureAsync(RemoteFailureContext context)
    {
        var code = Tunnel.Shared.Security.OidcFailureKind.Classify(context.Failure);
        context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn))
            .LogWarning(context.Failure, "Dashboard sign-in through the provider failed ({Reason})", code);
        context.Response.Redirect($"/login?problem={code}");
        context.HandleResponse();
        return Task.CompletedTask;
    }

    private static string? RoleFromClaims(ClaimsPrincipal claims, OidcLoginOptions options)
    {
        // Providers send groups as repeated claims or as one JSON array; the handler flattens arrays into claims.
        var values = claims.FindAll(options.RoleClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        if (values.Contains(options.AdminClaimValue))
        {
            return Roles.Admin;
        }

        return values.Contains(options.ViewerClaimValue) ? Roles.Viewer : options.DefaultRole;
    }
}
