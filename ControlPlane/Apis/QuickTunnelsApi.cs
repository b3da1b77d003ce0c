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

    public static void MapQuickTunnelsApi(this WebApplication app, QuickTunnelOptions options)
    {
        var open = app.MapPost("/api/quick-tunnels", OpenAsync).WithTags("Quick tunnels");
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

    private static async Task<Results<Created<QuickTunnelCreated>, ProblemHttpResult>> OpenAsync(QuickTunnelRequest? request, HttpContext context,
        QuickTunnelService quick, CancellationToken ct)
    {
        var outcome = await quick.OpenAsync(request ?? new QuickTunnelRequest(), context.Connection.RemoteIpAddress?.ToString() ?? "unknown", ct);
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
