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

    /// <summary>Configured (an authority or client id given) and usable: sign-in through the provider is offered.</summary>
    public bool Enabled => Configured && Problem is null;

    public bool Configured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(ClientId);

    /// <summary>
    /// Why the configured sign-in cannot work, checked at start: a broken setting disables dashboard sign-in only
    /// (and says so on the sign-in page and in the log), never the API or config distribution.
    /// </summary>
    public string? Problem => !Configured ? null
        : !Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http")
            ? $"ControlPlane:Oidc:Authority '{Authority}' is not the provider's issuer URL (e.g. https://login.example.com/realms/main)"
        : string.IsNullOrWhiteSpace(ClientId) ? "ControlPlane:Oidc:ClientId is missing: set the client id registered at the provider"
        : authority.Scheme == "http" && RequireHttpsMetadata && !IsDevelopmentHost(authority)
            ? $"ControlPlane:Oidc:Authority {Authority} is plain http: use https (http is accepted only for loopback and *.localhost providers, or with ControlPlane:Oidc:RequireHttpsMetadata=false)"
        : CaPath is not null && !File.Exists(CaPath) ? $"ControlPlane:Oidc:CaPath file {CaPath} does not exist"
        : null;

    /// <summary>Plain http is fine for a development provider on this machine, as the edge's Access login allows.</summary>
    public static bool IsDevelopmentHost(Uri authority) =>
        authority.IsLoopback || authority.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || authority.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
}
