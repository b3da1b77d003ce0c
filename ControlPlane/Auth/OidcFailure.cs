using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Auth;

/// <summary>The dashboard sign-in page's sentence for each <see cref="OidcFailureKind"/>.</summary>
public static class OidcFailure
{
    public static string? Describe(string? code, string? authority) => code switch
    {
        null or "" => null,
        OidcFailureKind.ProviderUnreachable => $"The identity provider at {authority} could not be reached (or its discovery document could not be read). Try again in a moment; if it persists, check ControlPlane:Oidc:Authority and, for a private CA, ControlPlane:Oidc:CaPath.",
        OidcFailureKind.ClientRejected => "The identity provider refused this control plane's client credentials: check ControlPlane:Oidc:ClientId and ClientSecret against the client registered at the provider.",
        OidcFailureKind.RequestRefused => "The identity provider refused the sign-in request: most often the redirect URI is not registered. Register https://THIS_HOST/signin-oidc for the client at the provider.",
        OidcFailureKind.Denied => "The identity provider did not let you sign in (you cancelled, or the provider denied access to this client).",
        OidcFailureKind.StateExpired => "The sign-in took too long or was started in another browser; start it again.",
        _ => "The identity provider answered with an error; the control plane's log has the details. Start the sign-in again.",
    };
}
