using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Tunnel.ControlPlane.Apis;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Auth;

/// <summary>The /api scheme: `Authorization: Bearer TOKEN`; refusals are problem-details bodies that say what to do.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokenValidator validator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = SecretHash.BearerValue(Request.Headers.Authorization.ToString());
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        var (user, error) = await validator.ValidateAsync(presented, SchemeName, Context.RequestAborted);
        return user is null ? AuthenticateResult.Fail(error!) : AuthenticateResult.Success(new AuthenticationTicket(user, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        await Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized", failure?.Message
            ?? "No API token: send `Authorization: Bearer TOKEN` (the CLI takes --api-key or TUNNEL_API_KEY).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden",
            $"'{Context.User.Identity?.Name}' has the role '{Context.User.FindFirstValue(ClaimTypes.Role)}', which may only read: this needs an admin token.");
}
