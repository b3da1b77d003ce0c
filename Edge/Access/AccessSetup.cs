using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Hosting;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Access;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Access;

/// <summary>One place for Access at the edge: its services, the login schemes (configured from the pushed config), the middleware.</summary>
public static class AccessSetup
{
    public static void AddEdgeAccess(this WebApplicationBuilder builder, EdgeOptions options)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AccessState>();
        builder.Services.AddSingleton<AccessTokens>();
        builder.Services.AddSingleton<AccessGate>();
        builder.Services.AddSingleton<AccessDecisionLog>();
        builder.Services.AddHostedService<AccessDecisionReporter>();
        builder.Services.AddSingleton<AuthHostEndpoints>();
        builder.Services.AddSingleton<OneTimeUse>();
        builder.Services.AddSingleton<LoopbackLoginCodes>();
        builder.Services.AddAntiforgery(o => o.Cookie.Name = "tunnel_auth_antiforgery");
        builder.Services.AddAuthentication()
            .AddCookie(AuthHostEndpoints.SessionScheme, c =>
            {
                c.Cookie.Name = "tunnel_auth";
                c.Cookie.HttpOnly = true;
                c.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                c.Cookie.SameSite = SameSiteMode.Lax;
                c.ExpireTimeSpan = TimeSpan.FromHours(24);
            })
            .AddOpenIdConnect(AuthHostEndpoints.OidcScheme, _ => { });
        builder.Services.AddSingleton<IConfigureOptions<OpenIdConnectOptions>, ProviderOptions>();
        // Last: authentication and antiforgery register data protection's defaults, which this replaces.
        builder.Services.AddSharedKeyRing();
    }

    /// <summary>
    /// On public listeners, after the request target is canonical: the auth hostname, else the credentials are taken
    /// off the request and the gate decides. Other listeners never reach tunnels, so they have nothing to gate.
    /// </summary>
    public static void UseEdgeAccess(this WebApplication app, EdgeOptions options)
    {
        var gate = app.Services.GetRequiredService<AccessGate>();
        var authHost = app.Services.GetRequiredService<AuthHostEndpoints>();
        var cache = app.Services.GetRequiredService<IOptionsMonitorCache<OpenIdConnectOptions>>();
        app.Services.GetRequiredService<Config.ConfigStore>().Changed += () => cache.TryRemove(AuthHostEndpoints.OidcScheme);
        app.Use((context, next) =>
        {
            if (EdgeListeners.Of(context, options) != Listener.Public)
            {
                return next(context);
            }

            if (authHost.Handles(context))
            {
                return authHost.InvokeAsync(context);
            }

            var presented = PresentedCredentials.TakeFrom(context.Request);
            if (Inspection.ReplayTickets.BypassesAccess(context))
            {
                return next(context); // an admin's replay straight to the connector (the ticket is this edge's own, one-time)
            }

            return gate.InvokeAsync(context, presented, () => next(context));
        });
    }

    /// <summary>The login's OIDC options, from the identity provider the control plane pushed (rebuilt when it changes).</summary>
    private sealed class ProviderOptions(AccessState state) : IConfigureNamedOptions<OpenIdConnectOptions>
    {
        public void Configure(OpenIdConnectOptions options) => Configure(Options.DefaultName, options);

        public void Configure(string? name, OpenIdConnectOptions o)
        {
            if (name != AuthHostEndpoints.OidcScheme)
            {
                return;
            }

            o.CallbackPath = AuthHostEndpoints.CallbackPath;
            if (state.Provider is not { } provider)
            {
                // ASP.NET runs the authentication middleware on every request and validates these options even when
                // no login can start (the auth hostname answers only with a provider): valid, inert placeholders.
                o.Authority = "https://identity-provider.invalid";
                o.ClientId = "unconfigured";
                return;
            }

            o.SignInScheme = AuthHostEndpoints.SessionScheme;
            o.Authority = provider.Authority;
            o.ClientId = provider.ClientId;
            o.ClientSecret = provider.ClientSecret;
            o.ResponseType = "code";
            o.UsePkce = true;
            o.CallbackPath = AuthHostEndpoints.CallbackPath;
            o.MapInboundClaims = false;
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = true;
            // Plain http only for a development provider (this machine, or a *.localhost name); anything else must be https.
            o.RequireHttpsMetadata = !(Uri.TryCreate(provider.Authority, UriKind.Absolute, out var authority)
                && (authority.IsLoopback || authority.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)));
            o.Scope.Clear();
            foreach (var scope in provider.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                o.Scope.Add(scope);
            }

            o.ClaimActions.MapUniqueJsonKey("email", "email");
            o.ClaimActions.MapJsonKey("groups", provider.GroupClaim);
            o.Events.OnRemoteFailure = async context =>
            {
                context.HandleResponse();
                var kind = OidcFailureKind.Classify(context.Failure);
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<AuthHostEndpoints>()
                    .LogWarning(context.Failure, "Access login callback failed ({Reason})", kind);
                await AuthHostEndpoints.WriteLoginFailureAsync(context.HttpContext, kind, provider);
            };
        }
    }
}
