using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.QuickTunnels;

namespace Tunnel.ControlPlane.Apis;

/// <summary>
/// `tunnel quick`: open a quick tunnel (anonymous where the operator allows it, else an API token of role quick or
/// admin) and close it again with the key it was given. Outside the /api group: that group admits readers only, and
/// a quick token may read nothing.
/// </summary>
public static class QuickTunnelsApi
{
    public const string KeyHeader = "Tunnel-Quick-Key";
    public const string RateLimitPolicy = "quick-opens";
    /// <summary>Opens per hour per owner (address bucket or token): a caller cannot keep the total cap full by re-opening.</summary>
    public static void AddQuickTunnelRateLimit(this IServiceCollection services, QuickTunnelOptions options) => services.AddRateLimiter(r =>
    {
        r.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        r.OnRejected = (context, ct) => new ValueTask(Problems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Quick tunnel refused",
            $"more than {options.OpensPerHour} quick tunnels asked for in the last hour from this address or token (ControlPlane:QuickTunnels:OpensPerHour): wait, or ask the operator for a named tunnel"));
        r.AddPolicy(RateLimitPolicy, context => System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(OwnerOf(context),
            _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions { PermitLimit = options.OpensPerHour, Window = TimeSpan.FromHours(1), QueueLimit = 0 }));
    });

    /// <summary>A token holder by token; anyone else (a dashboard sign-in included) by address.</summary>
    private static string OwnerOf(HttpContext context) =>
        QuickTunnelOwner.Of(context.Connection.RemoteIpAddress,
            context.User.Identity is { IsAuthenticated: true, AuthenticationType: ApiTokenAuthenticationHandler.SchemeName } ? Identities.Actor(context.User) : null);

    public static void MapQuickTunnelsApi(this WebApplication app, QuickTunnelOptions options)
    {
        // A small JSON body only (a few emails at most), and at most QuickOpensPerHour opens an hour per address or token.
        var open = app.MapPost("/api/quick-tunnels", OpenAsync).WithTags("Quick tunnels")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(16 * 1024)).RequireRateLimiting(RateLimitPolicy);
        if (options.AllowAnonymous)
        {
            open.AllowAnonymous();
        }
        else
        {
            open.RequireAuthorization(new AuthorizeAttribute(Roles.CanOpenQuick) { AuthenticationSchemes = ApiTokenAuthenticationHandler.SchemeName });
        }

        // The key proves ownership; no token needed (the process may have run without one).
        app.MapDelete("/api/quick-tunnels/{id:guid}", CloseAsync).WithTags("Quick tunnels").AllowAnonymous();
    }

    private static async Task<Results<Created<QuickTunnelCreated>, ProblemHttpResult>> OpenAsync(HttpContext context, QuickTunnelService quick, CancellationToken ct)
    {
        // JSON only: a cross-site form or fetch without a preflight cannot make a visitor's browser open tunnels.
        if (!(context.Request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON required",
                detail: "send the request as Content-Type: application/json ({} for the defaults)");
        }

        QuickTunnelRequest? request;
        try
        {
            request = context.Request.ContentLength == 0 ? null : await context.Request.ReadFromJsonAsync<QuickTunnelRequest>(ct);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return Problems.BadRequest($"the body is not a quick-tunnel request: {Tunnel.Shared.Serialization.JsonErrors.Describe(ex)}");
        }

        // Who opens it is an API token of role quick or admin (counted by token, may gate with Access), or nobody
        // (anonymous, where allowed). Never a dashboard sign-in: a viewer's cookie is not a right to open or gate one.
        var holder = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity());
        if (context.Request.Headers.Authorization.Count > 0)
        {
            var result = await context.AuthenticateAsync(ApiTokenAuthenticationHandler.SchemeName);
            if (result.Principal is not { } principal || !(principal.IsInRole(Roles.Quick) || principal.IsInRole(Roles.Admin)))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Token refused",
                    detail: "the API token sent is not valid for quick tunnels (role quick or admin): send none to open one anonymously, or a valid one");
            }

            holder = principal;
        }

        context.User = holder;

        var authenticated = context.User.Identity?.IsAuthenticated == true;
        var outcome = await quick.OpenAsync(request ?? new QuickTunnelRequest(), OwnerOf(context), anonymous: !authenticated, ct);
        if (!outcome.Succeeded)
        {
            return outcome.Kind == Tunnels.FailureKind.Conflict
                ? TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Quick tunnel refused", detail: outcome.Error)
                : Problems.From(outcome);
        }

        return TypedResults.Created($"/api/tunnels/{outcome.Value!.Id}", outcome.Value);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CloseAsync(Guid id, HttpContext context, QuickTunnelService quick, CancellationToken ct)
    {
        var key = context.Request.Headers[KeyHeader].ToString();
        if (key.Length == 0)
        {
            return Problems.BadRequest($"the {KeyHeader} header is required: the key `tunnel quick` was given when it opened the tunnel");
        }

        var outcome = await quick.CloseAsync(id, key, "closed by its process", ct);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome);
    }
}
