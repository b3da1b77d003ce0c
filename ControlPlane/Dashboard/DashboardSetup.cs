using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Tunnel.ControlPlane.Auth;

namespace Tunnel.ControlPlane.Dashboard;

/// <summary>The server-rendered dashboard: Razor Pages under Dashboard/Pages, its sign-in endpoints and live status.</summary>
public static class DashboardSetup
{
    public static void AddDashboard(this WebApplicationBuilder builder, ControlPlaneOptions options)
    {
        // Session cookies and antiforgery tokens survive restarts of the control plane.
        builder.Services.AddDataProtection()
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataDirectory, "dataprotection-keys")))
            .SetApplicationName("tunnel-controlplane");
        builder.Services.AddRazorPages(pages =>
        {
            pages.RootDirectory = "/Dashboard/Pages";
            pages.Conventions.AuthorizeFolder("/", Roles.CanRead);
            pages.Conventions.AllowAnonymousToPage("/Login");
            pages.Conventions.AllowAnonymousToPage("/Denied");
        });
        builder.Services.AddAntiforgery(a =>
        {
            a.Cookie.Name = "tunnel_antiforgery";
            a.Cookie.SecurePolicy = CookieSecurePolicy.Always;
        });
    }

    public static void MapDashboard(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapGet("/dashboard/status.json", DashboardStatus.GetAsync).RequireAuthorization(Roles.CanRead);
        // The charts' data, for the cookie session (/api takes bearer tokens only); the same code as the API.
        app.MapGet("/dashboard/tunnels/{tunnel}/traffic.json", Apis.TrafficApi.GetAsync).RequireAuthorization(Roles.CanRead);
        // The traffic inspector's data and actions, for the cookie session; the same code as the API. Its one write (replay)
        // carries the page's antiforgery token.
        app.MapGet("/dashboard/tunnels/{tunnel}/captures.json", Apis.InspectionApi.ListAsync).RequireAuthorization(Roles.CanRead);
        app.MapGet("/dashboard/captures/{id:long}.json", Apis.InspectionApi.GetAsync).RequireAuthorization(Roles.CanRead);
        app.MapGet("/dashboard/tunnels/{tunnel}/captures.har", Apis.InspectionApi.HarAsync).RequireAuthorization(Roles.CanWrite);
        app.MapPost("/dashboard/captures/{id:long}/replay", Apis.InspectionApi.ReplayAsync).RequireAuthorization(Roles.CanWrite)
            .AddEndpointFilter(async (invocation, next) =>
            {
                try
                {
                    await invocation.HttpContext.RequestServices.GetRequiredService<Microsoft.AspNetCore.Antiforgery.IAntiforgery>().ValidateRequestAsync(invocation.HttpContext);
                }
                catch (Microsoft.AspNetCore.Antiforgery.AntiforgeryValidationException)
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
                        detail: "the page's antiforgery token is missing or stale: reload the inspector and try again");
                }

                return await next(invocation);
            });
        app.MapGet("/dashboard/traffic.json", async (Traffic.TrafficStore store, CancellationToken ct) =>
            TypedResults.Ok((await store.LastHourPerMinuteAsync(ct)).ToDictionary(p => p.Key.ToString(), p => p.Value))).RequireAuthorization(Roles.CanRead);
        app.MapGet("/login/oidc", async (string? returnUrl, HttpContext context, ILogger<ControlPlaneOptions> logger) =>
        {
            if (context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ControlPlaneOptions>>().Value.Oidc is not { Enabled: true })
            {
                return Results.LocalRedirect("/login");
            }

            try
            {
                await context.ChallengeAsync(AuthSetup.OidcScheme, new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) });
                return Results.Empty;
            }
            catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
            {
                // Challenging fetches the discovery document and may push the request (PAR) with the client secret.
                var problem = Tunnel.Shared.Security.OidcFailureKind.Classify(ex);
                logger.LogWarning(ex, "Dashboard sign-in could not start at the identity provider ({Reason})", problem);
                return Results.LocalRedirect($"/login?problem={problem}");
            }
        });
    }

    /// <summary>Only paths on this site: an absolute or protocol-relative URL would make the sign-in an open redirect.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } && returnUrl[0] == '/' && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\'))
            ? returnUrl
            : "/";
}
