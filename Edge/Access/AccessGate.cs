using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Tunnel.Edge.RequestTarget;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Access;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Access;

/// <summary>
/// Stands in front of every tunnel. Decides on the request's canonical target and on the credentials already taken
/// off it (<see cref="PresentedCredentials"/>): finds the Access application covering the target, works out who is
/// asking (service token headers, else the application's own session cookie or token), applies the policies, and
/// then forwards with a signed assertion, answers 403, or sends the person to log in (browsers) / answers 401.
/// Paths under /.tunnel/ belong to the edge on every hostname (login callback, logout, the troubleshooting guide),
/// whatever the applications.
/// </summary>
public sealed class AccessGate(AccessState state, AccessTokens tokens, OneTimeUse oneTimeUse, TimeProvider clock, AccessDecisionLog decisions, ILogger<AccessGate> logger)
{
    private static readonly TimeSpan LoginNonceLifetime = TimeSpan.FromMinutes(15);

    public async Task InvokeAsync(HttpContext context, PresentedCredentials presented, Func<Task> next)
    {
        var target = CanonicalTarget.Of(context);
        if (PathForm.Covers(AccessHeaders.PathPrefix, target.Path))
        {
            await EdgePathAsync(context, target, presented);
            return;
        }

        if (state.Matcher.Find(target.Host, target.Path, target.PathKey) is not { } app)
        {
            await next();
            return;
        }

        var (who, identityType, tokenError) = await IdentifyAsync(context, app, presented);
        var (decision, policy) = AccessPolicyEvaluator.Evaluate(app, who);
        if (who.IsAuthenticated)
        {
            context.Features.Set(who); // the traffic inspector names who asked, allowed or not
        }

        switch (decision)
        {
            case AccessDecision.Bypass:
                await next();
                return;
            case AccessDecision.Allow:
                var assertion = identityType == "user" ? SessionOf(presented, app) : tokens.ServiceTokenAssertion(app, who);
                if (assertion is not null)
                {
                    context.Request.Headers[AccessHeaders.Assertion] = assertion;
                }

                context.Features.Set(who);
                await next();
                return;
            case AccessDecision.Deny:
                // The page names no policy: the request id leads an admin to the whole decision in the dashboard.
                var reason = policy is null ? "no allow policy matched" : "a deny policy matched";
                logger.LogInformation("Access denied to {App} for {Who} by {Policy} (request {RequestId})", app.Name, who.Email ?? who.ServiceTokenClientId,
                    policy?.Name ?? "no matching allow policy", context.TraceIdentifier);
                try
                {
                    decisions.Refused(context, app, who, ErrorCodes.AccessDenied);
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Could not record the refusal of request {RequestId}", context.TraceIdentifier); // never changes the answer
                }

                await ErrorPages.WriteAsync(context, StatusCodes.Status403Forbidden, ErrorCodes.AccessDenied, "Forbidden",
                    $"{who.Email ?? who.ServiceTokenClientId} may not use {app.Name}: {reason}."
                    + (who.ServiceTokenClientId is not null && policy is null && !app.Policies.Any(p => p.Action == AccessActions.ServiceAuth)
                        ? " Service tokens are admitted only by a policy with action service_auth (allow policies are for people who log in): add one to the application."
                        : "")
                    + $" Request id {context.TraceIdentifier}: an administrator can look it up in the dashboard's policy tester.");
                return;
            default:
                await AskToLogInAsync(context, app, tokenError);
                return;
        }
    }

    private static string? SessionOf(PresentedCredentials presented, AccessApplication app) =>
        presented.Cookie(AccessHeaders.SessionCookie(app.Id)) ?? presented.SessionToken;

    private async Task<(AccessIdentity Who, string Type, string? Error)> IdentifyAsync(HttpContext context, AccessApplication app, PresentedCredentials presented)
    {
        var ip = context.Connection.RemoteIpAddress;
        if (presented.ClientId is { } clientId)
        {
            var token = state.FindValidServiceToken(clientId, clock.GetUtcNow());
            var valid = token is not null && SecretHash.Matches(presented.ClientSecret ?? "", Convert.FromBase64String(token.SecretHash));
            return valid
                ? (new AccessIdentity(null, [], clientId, ip), "service_token", null)
                : (AccessIdentity.Anonymous(ip), "", "the service token is unknown, revoked, expired or its secret is wrong");
        }

        var presentedSession = SessionOf(presented, app);
        var session = await tokens.ValidateAsync(presentedSession, app, AccessTokens.SessionPurpose, ip);
        if (session is not null)
        {
            return (session, session.ServiceTokenClientId is null ? "user" : "service_token", null);
        }

        return (AccessIdentity.Anonymous(ip), "", presentedSession is not null ? "the session expired or is not valid here" : null);
    }

    private async Task AskToLogInAsync(HttpContext context, AccessApplication app, string? reason)
    {
        if (state.Provider is not { } provider)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.AccessNoProvider, "Login unavailable",
                $"{app.Name} needs a login, but no identity provider is configured: set one with PUT /api/access/identity-provider.");
            return;
        }

        var returnUrl = $"https://{context.Request.Host}{context.Request.Path}{context.Request.QueryString}";
        var login = LoginUrl(context, provider, app, returnUrl);
        var wantsHtml = context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (wantsHtml && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            RedirectToLogin(context, login, app);
            return;
        }

        var detail = reason is null
            ? $"{app.Name} is protected by Access: sign in at login_url in a browser, or send {AccessHeaders.ClientId} and {AccessHeaders.ClientSecret} of a service token."
            : $"{app.Name} is protected by Access and {reason}.";
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.CacheControl = "no-store";
        // Also in headers, for clients that never read the body (a refused WebSocket handshake).
        context.Response.Headers[ErrorPages.ErrorHeader] = ErrorCodes.AccessRequired;
        context.Response.Headers[ErrorPages.ErrorDetailHeader] = ErrorPages.AsciiHeaderValue(detail);
        context.Response.Headers[AccessHeaders.LoginUrl] = login;
        await context.Response.WriteAsJsonAsync(new { error = ErrorCodes.AccessRequired, detail, login_url = login, help = ErrorPages.AbsoluteHelpUrl(context, ErrorCodes.AccessRequired) });
    }

    /// <summary>Binds the login to this browser: the hand-off that comes back must carry this cookie's nonce.</summary>
    private static void RedirectToLogin(HttpContext context, string loginUrl, AccessApplication app)
    {
        var nonce = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
        context.Response.Cookies.Append(AccessHeaders.LoginNonceCookie(app.Id), nonce, CookieOptions(LoginNonceLifetime));
        context.Response.Redirect($"{loginUrl}&nonce={nonce}");
    }

    private static string LoginUrl(HttpContext context, IdentityProviderConfig provider, AccessApplication app, string returnUrl) =>
        $"https://{provider.AuthHostname}{LoginPortSuffix(context)}/.tunnel/login?app={app.Id}&return={Uri.EscapeDataString(returnUrl)}";

    /// <summary>The edge's own paths on an application's hostname.</summary>
    private async Task EdgePathAsync(HttpContext context, CanonicalTarget target, PresentedCredentials presented)
    {
        if (target.Path == "/.tunnel/callback")
        {
            await CompleteLoginAsync(context, presented);
            return;
        }

        if (target.Path == "/.tunnel/logout")
        {
            await LogOutAsync(context, target, presented);
            return;
        }

        // Before any application: someone refused a login must still be able to read why.
        if (target.Path == TroubleshootingGuide.Path && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            await TroubleshootingGuide.WriteAsync(context);
            return;
        }

        await ErrorPages.WriteAsync(context, StatusCodes.Status404NotFound, ErrorCodes.UnknownPath, "Not found",
            "Paths under /.tunnel/ belong to the edge: /.tunnel/callback completes a login, /.tunnel/logout ends your sessions here, "
            + $"{TroubleshootingGuide.Path} explains the edge's error pages.");
    }

    /// <summary>
    /// Sets the application's session cookie from a hand-off minted at the auth hostname, then returns to the page.
    /// The hand-off must be for this hostname's application, unused, and minted for this browser (its nonce is this
    /// browser's login cookie). One minted for another browser (an attacker's own login, sent to a victim) is not used:
    /// this browser starts its own login instead, and comes back as whoever it really is.
    /// </summary>
    private async Task CompleteLoginAsync(HttpContext context, PresentedCredentials presented)
    {
        var target = CanonicalTarget.Of(context);
        var app = Guid.TryParse(context.Request.Query["app"], out var id) ? state.FindApplication(id) : null;
        var handoff = app is null || !AccessApplicationMatcher.CoversHost(app, target.Host) ? null
            : await tokens.ValidateHandoffAsync(context.Request.Query["token"], app, context.Connection.RemoteIpAddress);
        if (app is null || handoff is null)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.AccessLoginFailed, "Login failed",
                "The login link is invalid or expired (it is good for one minute, once, for this application only). Open the page again to log in.");
            return;
        }

        var returnPath = LocalPath(handoff.ReturnPath);
        var nonceCookie = presented.Cookie(AccessHeaders.LoginNonceCookie(app.Id));
        if (handoff.Nonce.Length == 0 || nonceCookie is null
            || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(handoff.Nonce), System.Text.Encoding.ASCII.GetBytes(nonceCookie)))
        {
            if (state.Provider is not { } provider)
            {
                await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.AccessLoginFailed, "Login failed", "No identity provider is configured.");
                return;
            }

            RedirectToLogin(context, LoginUrl(context, provider, app, $"https://{context.Request.Host}{returnPath}"), app);
            return;
        }

        if (!oneTimeUse.TryUse("handoff:" + handoff.Id, handoff.Expires))
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.AccessLoginFailed, "Login failed",
                "This login link was already used. Open the page again to log in.");
            return;
        }

        var session = tokens.IssueSession(app, handoff.Who, "user");
        if (session is null)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.AccessUnavailable, "Login unavailable",
                "The edge has no signing key yet; try again in a moment.");
            return;
        }

        context.Response.Cookies.Delete(AccessHeaders.LoginNonceCookie(app.Id), CookieOptions(null));
        context.Response.Cookies.Append(AccessHeaders.SessionCookie(app.Id), session, CookieOptions(TimeSpan.FromMinutes(app.SessionMinutes)));
        context.Response.Redirect(returnPath);
    }

    /// <summary>Drops every Access session cookie of this hostname, then ends the login session at the auth hostname.</summary>
    private Task LogOutAsync(HttpContext context, CanonicalTarget target, PresentedCredentials presented)
    {
        foreach (var name in presented.CookieNames.Where(n => n.StartsWith(AccessHeaders.SessionCookiePrefix, StringComparison.Ordinal)))
        {
            context.Response.Cookies.Delete(name, CookieOptions(null));
        }

        if (state.Provider is { } provider)
        {
            context.Response.Redirect($"https://{provider.AuthHostname}{LoginPortSuffix(context)}/.tunnel/logout");
            return Task.CompletedTask;
        }

        return ErrorPages.WriteAsync(context, StatusCodes.Status200OK, ErrorCodes.SignedOut, "Signed out", $"You are signed out of {target.Host}.");
    }

    private static CookieOptions CookieOptions(TimeSpan? lifetime) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        MaxAge = lifetime,
        // No Domain: host-only, so the cookie goes to this hostname and no other (and __Host- requires it).
    };

    /// <summary>
    /// Only a path on this host: printable ASCII (browsers drop tabs and newlines, turning "/\t/evil" into
    /// "//evil"), never scheme-relative ("//", "/\"); anything else returns to "/".
    /// </summary>
    public static string LocalPath(string? value)
    {
        if (value is not { Length: > 0 } || value[0] != '/' || (value.Length > 1 && value[1] is '/' or '\\'))
        {
            return "/";
        }

        foreach (var c in value)
        {
            if (c is <= ' ' or > '~' or '\\')
            {
                return "/";
            }
        }

        return value;
    }

    /// <summary>The public port when it is not 443 (development), so the auth hostname is reached on the same port.</summary>
    private static string LoginPortSuffix(HttpContext context) =>
        context.Request.Host.Port is { } port && port != 443 ? $":{port}" : "";
}
