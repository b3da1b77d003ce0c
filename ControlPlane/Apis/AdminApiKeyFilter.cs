using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Apis;

/// <summary>Every /api call carries `Authorization: Bearer ADMIN_API_KEY`, compared in constant time.</summary>
internal sealed class AdminApiKeyFilter(ControlPlaneKeys keys) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = SecretHash.BearerValue(context.HttpContext.Request.Headers.Authorization.ToString());
        if (SecretHash.KeysEqual(presented, keys.AdminApiKey))
        {
            return next(context);
        }

        return ValueTask.FromResult<object?>(TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: presented is null
                ? "No admin API key: send `Authorization: Bearer KEY` (the CLI takes --api-key or TUNNEL_API_KEY)."
                : "The admin API key is wrong: use the control plane's ControlPlane:AdminApiKey."));
    }
}
