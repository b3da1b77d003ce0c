using Tunnel.Edge.Routing;
using Tunnel.Shared.Access;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Access;

/// <summary>
/// Stands in front of every tunnel: finds the Access application covering the request, works out who is asking
/// (service token headers, else the application's session cookie), applies the policies, and then forwards with
/// a signed assertion, answers 403, or sends the person to log in (browsers) / answers 401 (everything else).
/// </summary>
public sealed class AccessGate(AccessState state, AccessTokens tokens, ILogger<AccessGate> logger)
{
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        context.Request.Headers.Remove(AccessHeaders.Assertion);
        var host = context.Request.Host.Host;
        var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? context.Request.Path;
        var app = AccessApplicationMatcher.Find(state.Applications, host, context.Request.Path.Value ?? "/", rawTarget);
        if (app is null)
        {
            await next();
            return;
        }

        if (context.Request.Path.StartsWithSegments("/.tunnel/callback"))
        {
            await CompleteLoginAsync(context, app);
            return;
        }

        if (context.Request.Path.StartsWithSegments("/.tunnel/logout"))
        {
            // The page first (it resets the response), then the cookie's removal.
            context.Response.OnStarting(() =>
            {
                context.Response.Cookies.Delete(AccessHeaders.SessionCookie, CookieOptions(null));
                return Task.CompletedTask;
            });
            await ErrorPages.WriteAsync(context, StatusCodes.Status200OK, "signed_out", "Signed out",
                $"You are signed out of {app.Name}." + (state.Provider is { } p ? $" To end the login session too, open https://{p.AuthHostname}/.tunnel/logout." : ""));
            return;
        }

        var (who, identityType, tokenError) = await IdentifyAsync(context, app);
        var (decision, policy) = AccessPolicyEvaluator.Evaluate(app, who);
        switch (decision)
        {
            case AccessDecision.Bypass:
                await next();
                return;
            case AccessDecision.Allow:
                var assertion = identityType == "user"
                    ? context.Request.Cookies[AccessHeaders.SessionCookie] ?? context.Request.Headers[AccessHeaders.SessionToken].FirstOrDefault()
                    : tokens.ServiceTokenAssertion(app, who);
                context.Request.Headers.Remove(AccessHeaders.SessionToken);
                if (assertion is not null)
                {
                    context.Request.Headers[AccessHeaders.Assertion] = assertion;
                }

                // The session cookie stays between browser and edge.
                StripSessionCookie(context.Request);
                await next();
                return;
            case AccessDecision.Deny:
                logger.LogInformation("Access denied to {App} for {Who} by {Policy}", app.Name, who.Email ?? who.ServiceTokenClientId, policy?.Name ?? "no matching allow policy");
                await ErrorPages.WriteAsync(context, StatusCodes.Status403Forbidden, "access_denied", "Forbidden",
                    $"{who.Email ?? who.ServiceTokenClientId} may not use {app.Name}" + (policy is null ? ": no policy allows it." : $" (policy '{policy.Name}')."));
                return;
            default:
                await AskToLogInAsync(context, app, tokenError);
                return;
        }
    }

    private async Task<(AccessIdentity Who, string Type, string? Error)> IdentifyAsync(HttpContext context, AccessApplication app)
    {
        var ip = context.Connection.RemoteIpAddress;
        var clientId = context.Request.Headers[AccessHeaders.ClientId].ToString();
        if (clientId.Length > 0)
        {
            var secret = context.Request.Headers[AccessHeaders.ClientSecret].ToString();
            var token = state.FindServiceToken(clientId);
            var valid = token is not null && (token.ExpiresAt is null || token.ExpiresAt > DateTimeOffset.UtcNow)
                && SecretHash.Matches(secret, Convert.FromBase64String(token.SecretHash));
            return valid
                ? (new AccessIdentity(null, [], clientId, ip), "service_token", null)
                : (AccessIdentity.Anonymous(ip), "", "the service token is unknown, revoked, expired or its secret is wrong");
        }

        var presented = context.Request.Cookies[AccessHeaders.SessionCookie] ?? context.Request.Headers[AccessHeaders.SessionToken].FirstOrDefault();
        var session = await tokens.ValidateAsync(presented, app, AccessTokens.SessionPurpose, ip);
        if (session is not null)
        {
            return (session, "user", null);
        }

        return (AccessIdentity.Anonymous(ip), "", context.Request.Cookies.ContainsKey(AccessHeaders.SessionCookie) ? "the session expired or is not valid here" : null);
    }

    private async Task AskToLogInAsync(HttpContext context, AccessApplication app, string? reason)
    {
        if (state.Provider is not { } provider)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status401Unauthorized, "access_no_provider", "Login unavailable",
                $"{app.Name} needs a login, but no identity provider is configured: set one with PUT /api/access/identity-provider.");
            return;
        }

        var returnUrl = $"https://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}";
        var login = $"https://{provider.AuthHostname}{LoginPortSuffix(context)}/.tunnel/login?app={app.Id}&return={Uri.EscapeDataString(returnUrl)}";
        var wantsHtml = context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
        if (wantsHtml && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            context.Response.Redirect(login);
            return;
        }

        var detail = reason is null
            ? $"{app.Name} is protected by Access: sign in at login_url in a browser, or send {AccessHeaders.ClientId} and {AccessHeaders.ClientSecret} of a service token."
            : $"{app.Name} is protected by Access and {reason}.";
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.CacheControl = "no-store";
        // Also in headers, for clients that never read the body (a refused WebSocket handshake).
        context.Response.Headers[ErrorPages.ErrorHeader] = "access_required";
        context.Response.Headers[ErrorPages.ErrorDetailHeader] = ErrorPages.AsciiHeaderValue(detail);
        context.Response.Headers[AccessHeaders.LoginUrl] = login;
        await context.Response.WriteAsJsonAsync(new { error = "access_required", detail, login_url = login });
    }

    /// <summary>Sets the session cookie from a hand-off token minted at the auth hostname, then returns to the page.</summary>
    private async Task CompleteLoginAsync(HttpContext context, AccessApplication app)
    {
        var who = await tokens.ValidateAsync(context.Request.Query["token"], app, AccessTokens.HandoffPurpose, context.Connection.RemoteIpAddress);
        var session = who is null ? null : tokens.IssueSession(app, who, "user");
        if (who is null || session is null)
        {
            await ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, "access_login_failed", "Login failed",
                "The login link is invalid or expired (it is good for one minute, for this application only). Open the page again to log in.");
            return;
        }

        context.Response.Cookies.Append(AccessHeaders.SessionCookie, session, CookieOptions(TimeSpan.FromMinutes(app.SessionMinutes)));
        context.Response.Redirect(LocalPath(context.Request.Query["return"]));
    }

    private static CookieOptions CookieOptions(TimeSpan? lifetime) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        MaxAge = lifetime,
        // No Domain: host-only, so the cookie goes to this hostname and no other.
    };

    /// <summary>Only a path on this host: never another site (open redirect), never scheme-relative.</summary>
    public static string LocalPath(string? value) =>
        value is { Length: > 0 } && value[0] == '/' && (value.Length == 1 || (value[1] != '/' && value[1] != '\\')) ? value : "/";

    /// <summary>The public port when it is not 443 (development), so the auth hostname is reached on the same port.</summary>
    private static string LoginPortSuffix(HttpContext context) =>
        context.Request.Host.Port is { } port && port != 443 ? $":{port}" : "";

    private static void StripSessionCookie(HttpRequest request)
    {
        if (!request.Cookies.ContainsKey(AccessHeaders.SessionCookie))
        {
            return;
        }

        var kept = request.Headers.Cookie.ToString().Split(';', StringSplitOptions.TrimEntries)
            .Where(c => !c.StartsWith(AccessHeaders.SessionCookie + "=", StringComparison.Ordinal));
        request.Headers.Cookie = string.Join("; ", kept);
    }
}
