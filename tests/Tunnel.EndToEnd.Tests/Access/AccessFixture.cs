using System.Net.Http.Json;
using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Access;

/// <summary>
/// A stack whose edge enforces Access, logging people in at auth.localhost through a real OIDC provider; the demo
/// origin verifies assertions against the edge's JWKS; a headless Chromium for the browser flows.
/// </summary>
public sealed class AccessFixture : IAsyncLifetime
{
    public const string AuthHost = "auth.localhost";
    public const string Alice = "alice@example.com";
    public const string Mallory = "mallory@other.org";
    public const string Password = "correct horse";

    /// <summary>The edges' client secret at the provider (tests that break it put it back).</summary>
    public string ClientSecret { get; private set; } = "";

    public TunnelStack Stack { get; private set; } = null!;
    public DevOidcProvider Oidc { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright _playwright = null!;

    public async Task InitializeAsync()
    {
        var secret = ClientSecret = Shared.Security.SecretHash.NewSecret();
        Stack = await TunnelStack.StartAsync(Store.Sqlite, async stack =>
        {
            Oidc = await DevOidcProvider.StartAsync(
                [new { client_id = "tunnel-access", client_secret = secret, redirect_uris = new[] { $"https://{AuthHost}:{stack.PublicPort}/.tunnel/callback-oidc" } }],
                new Dictionary<string, DevOidcProvider.User>
                {
                    [Alice] = new(Password, ["staff"]),
                    [Mallory] = new(Password, ["contractors"]),
                });
            stack.OriginArgs.AddRange([
                $"--Access:JwksUrl=https://{AuthHost}:{stack.PublicPort}/.tunnel/certs",
                $"--Access:Issuer=https://{AuthHost}",
                $"--Access:CaPath={stack.EdgeCa}",
            ]);
        });
        var idp = await Stack.Api.PutAsJsonAsync("api/access/identity-provider", new
        {
            authHostname = AuthHost, authority = Oidc.Issuer, clientId = "tunnel-access", clientSecret = secret,
            scopes = "openid email profile groups", groupClaim = "groups",
        });
        idp.EnsureSuccessStatusCode();
        (_playwright, Browser) = await Infrastructure.Browser.LaunchAsync();
    }

    /// <summary>A new browser context with its own cookies.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        return page;
    }

    /// <summary>Completes the provider's login and consent pages once the browser is on them.</summary>
    public Task LogInAtProviderAsync(IPage page, string login, string password = Password) => Oidc.LogInAsync(page, login, password);

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Stack.DisposeAsync();
        await Oidc.DisposeAsync();
    }
}
