using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Access;
using Tunnel.Shared.Ingress;

namespace Tunnel.Edge.Access;

/// <summary>
/// The auth hostname: where the edge runs the OIDC login (one redirect URI registered at the provider for every
/// application), keeps a login session, and hands each application a one-minute token to set its own cookie with.
/// It also serves the JWKS origins verify assertions with.
/// </summary>
public sealed class AuthHostEndpoints(AccessState state, AccessTokens tokens)
{
    public const string SessionScheme = "access-session";
    public const string OidcScheme = "access-oidc";
    public const string CallbackPath = "/.tunnel/callback-oidc";

    public bool Handles(HttpContext context) =>
        state.Provider is { } provider && string.Equals(context.Request.Host.Host, provider.AuthHostname, StringComparison.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path == CallbackPath)
        {
            var handlers = context.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>();
            if (await handlers.GetHandlerAsync(context, OidcScheme) is IAuthenticationRequestHandler oidc && await oidc.HandleRequestAsync())
            {
                return;
            }
        }
        else if (path == "/.tunnel/certs")
        {
            context.Response.Headers.CacheControl = "public, max-age=300";
            await context.Response.WriteAsJsonAsync(tokens.Jwks());
            return;
        }
        else if (path == "/.tunnel/login")
        {
            await LoginAsync(context);
            return;
        }
        else if (path == "/.tunnel/logout")
        {
            context.Response.OnStarting(() => context.SignOutAsync(SessionScheme)); // after the page resets the response
            await ErrorPages.WriteAsync(context, StatusCodes.Status200OK, "signed_out", "Signed out", "Your login session at this edge has ended.");
            return;
        }

        await ErrorPages.WriteAsync(context, StatusCodes.Status404NotFound, "unknown_path", "Not found",
            "This is the Access login hostname: it serves /.tunnel/login, /.tunnel/logout and /.tunnel/certs.");
    }

    private async Task LoginAsync(HttpContext context)
    {
        var app = Guid.TryParse(context.Request.Query["app"], out var id) ? state.FindApplication(id) : null;
        var returnText = context.Request.Query["return"].ToString();
        // The return URL must be an https page of a hostname the application covers, or the loopback listener of a
        // command-line client on this person's machine (RFC 8252); anything else would be an open redirect.
        Uri? returnUrl = null;
        var valid = app is not null && Uri.TryCreate(returnText, UriKind.Absolute, out returnUrl)
            && ((returnUrl.Scheme == "https" && app.Domains.Any(d => IngressMatching.HostMatches(AccessDomain.Split(d).Host, returnUrl.IdnHost)))
                || IsLoopbackClient(returnUrl));
        if (!valid || app is null || returnUrl is null)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, "access_bad_login_request", "Bad login request",
                "The login link names no Access application, or its return address is not a page of that application. Open the application's page again.");
            return;
        }

        var session = await context.AuthenticateAsync(SessionScheme);
        if (!session.Succeeded)
        {
            await context.ChallengeAsync(OidcScheme, new AuthenticationProperties { RedirectUri = context.Request.Path + context.Request.QueryString });
            return;
        }

        var user = session.Principal!;
        var who = new AccessIdentity(user.FindFirstValue("email"), user.FindAll("groups").Select(c => c.Value).ToList(), null, context.Connection.RemoteIpAddress);
        var handoff = who.Email is null ? null : tokens.IssueHandoff(app, who);
        if (handoff is null)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status403Forbidden, "access_no_email", "Login incomplete",
                "The identity provider did not say who you are (no email claim); ask its administrator to release the email scope.");
            return;
        }

        if (IsLoopbackClient(returnUrl))
        {
            // A command-line client keeps the session token itself and sends it in a header.
            var sessionToken = tokens.IssueSession(app, who, "user");
            context.Response.Redirect(new UriBuilder(returnUrl) { Query = $"token={Uri.EscapeDataString(sessionToken!)}" }.Uri.AbsoluteUri);
            return;
        }

        var back = new UriBuilder(returnUrl) { Path = "/.tunnel/callback", Query = $"token={Uri.EscapeDataString(handoff)}&return={Uri.EscapeDataString(returnUrl.PathAndQuery)}" };
        context.Response.Redirect(back.Uri.AbsoluteUri);
    }

    private static bool IsLoopbackClient(Uri url) =>
        url.Scheme == "http" && url.IsLoopback && !url.IsDefaultPort && url.AbsolutePath == "/callback";
}
