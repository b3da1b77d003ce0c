using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Auth;

/// <summary>
/// One place for who may do what. /api takes bearer tokens only (no cookies, so no CSRF there); the dashboard
/// takes a cookie session from OIDC or from an API token typed into the sign-in page; forms carry antiforgery tokens.
/// </summary>
public static class AuthSetup
{
    public const string OidcScheme = "oidc";

    public static void AddControlPlaneAuth(this WebApplicationBuilder builder, ControlPlaneOptions options)
    {
        builder.Services.AddScoped<ApiTokenValidator>();
        var auth = builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "tunnel_session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                cookie.Cookie.SameSite = SameSiteMode.Lax; // Strict would drop the session on the redirect back from the provider
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
                cookie.LoginPath = "/login";
                cookie.LogoutPath = "/logout";
                cookie.AccessDeniedPath = "/denied";
            });

        var oidc = options.Oidc;
        if (oidc.Enabled)
        {
            auth.AddOpenIdConnect(OidcScheme, o =>
            {
                o.Authority = oidc.Authority;
                o.ClientId = oidc.ClientId;
                o.ClientSecret = oidc.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.SaveTokens = false;
                o.RequireHttpsMetadata = oidc.RequireHttpsMetadata && !OidcLoginOptions.IsDevelopmentHost(new Uri(oidc.Authority!));
                o.CallbackPath = "/signin-oidc";
                o.SignedOutCallbackPath = "/signout-callback-oidc";
                o.Scope.Clear();
                foreach (var scope in oidc.Scopes)
                {
                    o.Scope.Add(scope);
                }

                // From the userinfo endpoint: the login and the role claim (one claim per group when it is a list).
                o.ClaimActions.MapUniqueJsonKey("email", "email");
                o.ClaimActions.MapJsonKey(oidc.RoleClaim, oidc.RoleClaim);
                if (oidc.CaPath is not null)
                {
                    o.BackchannelHttpHandler = TrustedCertificates.CreateHandler(oidc.CaPath);
                }

                o.Events.OnTicketReceived = context => OidcSignIn.OnTicketReceivedAsync(context, oidc);
                o.Events.OnRemoteFailure = OidcSignIn.OnRemoteFailureAsync;
            });
        }

        builder.Services.AddAuthorization(a =>
        {
            a.AddPolicy(Roles.CanRead, p => p.RequireRole(Roles.Admin, Roles.Viewer));
            a.AddPolicy(Roles.CanWrite, p => p.RequireRole(Roles.Admin));
            a.AddPolicy(Roles.CanOpenQuick, p => p.RequireRole(Roles.Admin, Roles.Quick));
        });
    }

    /// <summary>Every /api endpoint needs a token that may read; every one that changes something, an admin token.</summary>
    public static RouteGroupBuilder RequireApiToken(this RouteGroupBuilder api)
    {
        api.RequireAuthorization(new AuthorizeAttribute(Roles.CanRead) { AuthenticationSchemes = ApiTokenAuthenticationHandler.SchemeName });
        ((IEndpointConventionBuilder)api).Add(endpoint =>
        {
            var methods = endpoint.Metadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().SelectMany(m => m.HttpMethods);
            if (methods.Any(m => !HttpMethods.IsGet(m) && !HttpMethods.IsHead(m)))
            {
                endpoint.Metadata.Add(new AuthorizeAttribute(Roles.CanWrite));
            }
        });
        return api;
    }
}
