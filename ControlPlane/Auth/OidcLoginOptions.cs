namespace Tunnel.ControlPlane.Auth;

/// <summary>
/// Dashboard sign-in through any OpenID Connect provider (ControlPlane:Oidc). The role comes from the user's
/// row when an admin set one, else from a claim (groups by default), else <see cref="DefaultRole"/>.
/// </summary>
public sealed class OidcLoginOptions
{
    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string[] Scopes { get; set; } = ["openid", "profile", "email"];
    /// <summary>Shown on the sign-in button.</summary>
    public string DisplayName { get; set; } = "single sign-on";
    public string RoleClaim { get; set; } = "groups";
    public string AdminClaimValue { get; set; } = "tunnel-admins";
    public string ViewerClaimValue { get; set; } = "tunnel-viewers";
    /// <summary>Role of a signed-in person whose claims name neither; null refuses them.</summary>
    public string? DefaultRole { get; set; }
    /// <summary>Only for a development provider on loopback without TLS.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
    /// <summary>PEM CA that signed the provider's certificate, when it is not publicly trusted.</summary>
    public string? CaPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}
