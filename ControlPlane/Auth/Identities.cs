using System.Security.Claims;

namespace Tunnel.ControlPlane.Auth;

/// <summary>The principal every way of signing in produces: a display name, an audit actor and one role.</summary>
public static class Identities
{
    public const string ActorClaim = "tunnel:actor";
    public const string BootstrapActor = "bootstrap";

    public static ClaimsPrincipal For(string name, string actor, string role, string authenticationType) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(ActorClaim, actor), new Claim(ClaimTypes.Role, role)],
            authenticationType, ClaimTypes.Name, ClaimTypes.Role));

    public static string Actor(ClaimsPrincipal user) => user.FindFirstValue(ActorClaim) ?? "anonymous";
}
