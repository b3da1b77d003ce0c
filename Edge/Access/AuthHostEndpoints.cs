using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Tunnel.Edge.RequestTarget;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Access;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Access;

/// <summary>
/// The auth hostname: where the edge runs the OIDC login (one redirect URI registered at the provider for every
/// application), keeps a login session, and hands each application a one-minute token to set its own cookie with.
/// Command-line clients get a one-time code at their loopback listener, after the person confirms, which only the
/// client holding the PKCE verifier can exchange for a session (<c>POST /.tunnel/token</c>). It also serves the JWKS
/// origins verify assertions with.
/// </summary>
public sealed class AuthHostEndpoints(AccessState state, AccessTokens tokens, LoopbackLoginCodes codes, IAntiforgery antiforgery)
{
    public const string SessionScheme = "access-session";
    public const string OidcScheme = "access-oidc";
    public const string CallbackPath = "/.tunnel/callback-oidc";

    public bool Handles(HttpContext context) =>
        state.Provider is { } provider && CanonicalTarget.Of(context).Host == HostnameForm.Normalize(provider.AuthHostname);

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await HandleAsync(context);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or System.IO.IOException or OpenIdConnectProtocolException
            && !context.Response.HasStarted && state.Provider is { } provider)
        {
            // The discovery document cannot be fetched (down, wrong authority, TLS), or the provider refused the
            // pushed authorization request (wrong client id or secret, unregistered redirect URI).
            var kind = OidcFailureKind.Classify(ex);
            context.RequestServices.GetRequiredService<ILogger<AuthHostEndpoints>>().LogWarning(ex, "Access login at {Path} failed ({Reason})", context.Request.Path, kind);
            await WriteLoginFailureAsync(context, kind, provider);
        }
    }

    /// <summary>What went wrong, in words that say who must fix what: the person, or the administrator.</summary>
    public static Task WriteLoginFailureAsync(HttpContext context, string kind, IdentityProviderConfig provider)
    {
        var (status, detail) = kind switch
        {
            OidcFailureKind.ProviderUnreachable => (StatusCodes.Status502BadGateway,
                $"The identity provider at {provider.Authority} could not be reached or answered wrongly; try again in a moment. If it persists, the administrator should check the provider settings (tunnel access idp set)."),
            OidcFailureKind.ClientRejected => (StatusCodes.Status502BadGateway,
                "The identity provider refused this edge's client id or secret. The administrator should check them against the client registered at the provider (tunnel access idp set --client-id … --client-secret …)."),
            OidcFailureKind.RequestRefused => (StatusCodes.Status502BadGateway,
                $"The identity provider refused the login request; most often the redirect URI is not registered. The administrator should register https://{provider.AuthHostname}{CallbackPath} (with the edges' public port when it is not 443) for the client at the provider."),
            OidcFailureKind.Denied => (StatusCodes.Status403Forbidden,
                "The identity provider did not let you log in (you cancelled, or it denied this application). Open the application's page again to start over."),
            OidcFailureKind.StateExpired => (StatusCodes.Status400BadRequest,
                "The login took too long or was started in another browser. Open the application's page again to start over."),
            _ => (StatusCodes.Status502BadGateway,
                "The identity provider answered with an error; the edge's log has the details. Open the application's page again to start over."),
        };
        var code = kind == OidcFailureKind.ProviderUnreachable ? ErrorCodes.AccessProviderUnreachable : ErrorCodes.AccessLoginFailed;
        return ErrorPages.WriteAsync(context, status, code, kind == OidcFailureKind.ProviderUnreachable ? "Login unavailable" : "Login failed", detail);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = CanonicalTarget.Of(context).Path;
        if (path is CallbackPath or "/.tunnel/login" && state.SessionKeys.Elements.Count == 0)
        {
            // Login state is protected with keys from the control plane only; none have arrived yet (or it is older).
            await ErrorPages.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.AccessUnavailable, "Login unavailable",
                "This edge has not received its session keys from the control plane yet. Try again in a few seconds.");
            return;
        }

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
        else if (path == "/.tunnel/token" && HttpMethods.IsPost(context.Request.Method))
        {
            await RedeemCodeAsync(context);
            return;
        }
        else if (path == TroubleshootingGuide.Path && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            // Login failures here link to it too.
            await TroubleshootingGuide.WriteAsync(context);
            return;
        }
        else if (path == "/.tunnel/logout")
        {
            context.Response.OnStarting(() => context.SignOutAsync(SessionScheme)); // after the page resets the response
            await ErrorPages.WriteAsync(context, StatusCodes.Status200OK, ErrorCodes.SignedOut, "Signed out", "Your login session at this edge has ended.");
            return;
        }

        await ErrorPages.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.UnknownPath, "Not found",
            $"This is the Access login hostname: it serves /.tunnel/login, /.tunnel/logout, /.tunnel/certs and {TroubleshootingGuide.Path}.");
    }

    private async Task LoginAsync(HttpContext context)
    {
        var form = HttpMethods.IsPost(context.Request.Method) ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
        string Param(string name) => (form?[name] ?? context.Request.Query[name]).ToString();

        var app = Guid.TryParse(Param("app"), out var id) ? state.FindApplication(id) : null;
        var returnText = Param("return");
        // The return URL must be an https page of a hostname the application covers, on this public port, or the
        // loopback listener of a command-line client on this person's machine (RFC 8252); anything else would be an
        // open redirect.
        Uri? returnUrl = null;
        var valid = app is not null && returnText.All(c => c is > ' ' and <= '~') && Uri.TryCreate(returnText, UriKind.Absolute, out returnUrl)
            && ((returnUrl.Scheme == "https" && returnUrl.UserInfo.Length == 0 && returnUrl.Port == (context.Request.Host.Port ?? 443)
                 && HostnameForm.Normalize(returnUrl.IdnHost) is { } returnHost && AccessApplicationMatcher.CoversHost(app, returnHost))
                || IsLoopbackClient(returnUrl));
        if (!valid || app is null || returnUrl is null)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.AccessBadLoginRequest, "Bad login request",
                "The login link names no Access application, or its return address is not a page of that application. Open the application's page again.");
            return;
        }

        var loopback = IsLoopbackClient(returnUrl);
        var clientState = Param("state");
        var challenge = Param("code_challenge");
        if (loopback && (clientState.Length is < 16 or > 256 || !LoopbackLoginCodes.IsChallenge(challenge) || Param("code_challenge_method") != "S256"))
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.AccessBadLoginRequest, "Bad login request",
                "A command-line login needs state, code_challenge and code_challenge_method=S256 (RFC 8252, RFC 7636). Update the tunnel client.");
            return;
        }

        var session = await context.AuthenticateAsync(SessionScheme);
        var user = session.Principal;
        var email = user?.FindFirstValue("email");
        var revoked = session.Succeeded && email is not null && state.SessionsRevokedBefore(email) is { } before
            && session.Properties?.IssuedUtc is { } issued && issued <= before;
        if (!session.Succeeded || user is null || revoked)
        {
            // An admin ended this person's sessions since this login: it mints nothing more, and the provider is asked
            // for a real login (prompt=login), not a silent single sign-on.
            var login = new OpenIdConnectChallengeProperties { RedirectUri = context.Request.Path + context.Request.QueryString };
            if (revoked)
            {
                await context.SignOutAsync(SessionScheme);
                login.Prompt = "login";
            }

            await context.ChallengeAsync(OidcScheme, login);
            return;
        }

        var who = new AccessIdentity(email, user.FindAll("groups").Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList(), null, context.Connection.RemoteIpAddress);
        if (who.Email is null)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.AccessNoEmail, "Login incomplete",
                "The identity provider did not say who you are (no email claim); ask its administrator to release the email scope.");
            return;
        }

        if (loopback)
        {
            await LoopbackLoginAsync(context, form, app, who, returnUrl, clientState, challenge);
            return;
        }

        var nonce = Param("nonce");
        var handoff = tokens.IssueHandoff(app, who, nonce.Length is > 0 and <= 64 ? nonce : null, returnUrl.PathAndQuery);
        var back = new UriBuilder(returnUrl) { Path = "/.tunnel/callback", Query = $"app={app.Id}&token={Uri.EscapeDataString(handoff!)}" };
        context.Response.Redirect(back.Uri.AbsoluteUri);
    }

    /// <summary>
    /// A command-line client's login: the person confirms on a page of this hostname (a link alone, opened by a
    /// crafted page, signs nobody in), then their browser takes a one-time code and the client's state to the
    /// client's loopback listener.
    /// </summary>
    private async Task LoopbackLoginAsync(HttpContext context, IFormCollection? form, AccessApplication app, AccessIdentity who, Uri returnUrl, string clientState, string challenge)
    {
        if (form is null || form["confirm"] != "yes")
        {
            var tokenSet = antiforgery.GetAndStoreTokens(context);
            string Hidden(string name, string value) => $"<input type=\"hidden\" name=\"{name}\" value=\"{WebUtility.HtmlEncode(value)}\">";
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers["X-Frame-Options"] = "DENY";
            context.Response.Headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            await context.Response.WriteAsync($$"""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>Sign in the command-line client?</title>
                <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;color:#222}</style></head>
                <body><h1>Sign in the command-line client?</h1>
                <p>A <code>tunnel</code> command on this computer (listening on port {{returnUrl.Port}}) asks to use
                <b>{{WebUtility.HtmlEncode(app.Name)}}</b> as <b>{{WebUtility.HtmlEncode(who.Email)}}</b>.</p>
                <p>Continue only if you just ran that command.</p>
                <form method="post" action="/.tunnel/login">
                {{Hidden(tokenSet.FormFieldName, tokenSet.RequestToken!)}}{{Hidden("app", app.Id.ToString())}}{{Hidden("return", returnUrl.AbsoluteUri)}}
                {{Hidden("state", clientState)}}{{Hidden("code_challenge", challenge)}}{{Hidden("code_challenge_method", "S256")}}{{Hidden("confirm", "yes")}}
                <button id="approve" type="submit">Continue</button></form></body></html>
                """);
            return;
        }

        if (!await antiforgery.IsRequestValidAsync(context))
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.AccessBadLoginRequest, "Bad login request",
                "The confirmation did not come from this login page. Run the command again for a new login URL.");
            return;
        }

        var code = codes.Issue(app, who, challenge);
        context.Response.Redirect(new UriBuilder(returnUrl) { Query = $"code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(clientState)}" }.Uri.AbsoluteUri);
    }

    /// <summary>Exchanges a command-line login's code and PKCE verifier for the application's session token.</summary>
    private async Task RedeemCodeAsync(HttpContext context)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
        var redeemed = codes.Redeem(form?["code"], form?["code_verifier"]);
        var app = redeemed is { } r ? state.FindApplication(r.App) : null;
        var session = app is null ? null : tokens.IssueSession(app, redeemed!.Value.Who, "user");
        context.Response.Headers.CacheControl = "no-store";
        if (session is null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new { error = "invalid_grant", detail = "the login code is unknown, used, expired, or the verifier does not match; run the command again" });
            return;
        }

        await context.Response.WriteAsJsonAsync(new { token = session });
    }

    private static bool IsLoopbackClient(Uri url) =>
        url.Scheme == "http" && url.IsLoopback && !url.IsDefaultPort && url.AbsolutePath == "/callback" && url.UserInfo.Length == 0;
}
