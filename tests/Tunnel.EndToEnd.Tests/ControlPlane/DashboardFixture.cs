using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>A stack whose control plane signs people in through a real OIDC provider, and a headless Chromium.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string ClientId = "tunnel-dashboard";
    public const string Admin = "alice@example.com";
    public const string Viewer = "victor@example.com";
    public const string NoRole = "mallory@example.com";
    public const string Password = "correct horse";

    public TunnelStack Stack { get; private set; } = null!;
    public DevOidcProvider Oidc { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright _playwright = null!;

    public string DashboardUrl(string path = "/") => $"https://127.0.0.1:{Stack.ControlPlanePort}{path}";

    public async Task InitializeAsync()
    {
        var clientSecret = Shared.Security.SecretHash.NewSecret();
        Stack = await TunnelStack.StartAsync(Store.Sqlite, async stack =>
        {
            Oidc = await DevOidcProvider.StartAsync(
                [new { client_id = ClientId, client_secret = clientSecret, redirect_uris = new[] { $"https://127.0.0.1:{stack.ControlPlanePort}/signin-oidc" } }],
                new Dictionary<string, DevOidcProvider.User>
                {
                    [Admin] = new(Password, ["tunnel-admins", "staff"]),
                    [Viewer] = new(Password, ["tunnel-viewers"]),
                    [NoRole] = new(Password, ["staff"]),
                });
            stack.ControlPlaneArgs.AddRange([
                $"--ControlPlane:Oidc:Authority={Oidc.Issuer}",
                $"--ControlPlane:Oidc:ClientId={ClientId}",
                $"--ControlPlane:Oidc:ClientSecret={clientSecret}",
                "--ControlPlane:Oidc:DisplayName=Dev SSO",
                "--ControlPlane:Oidc:Scopes:3=groups",
            ]);
        });
        (_playwright, Browser) = await Infrastructure.Browser.LaunchAsync();
    }

    /// <summary>A fresh browser context (its own cookies), signed in through the provider as <paramref name="login"/>.</summary>
    public async Task<IPage> SignInAsync(string login, string password = Password)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(DashboardUrl());
        await page.ClickAsync("#sign-in-oidc");
        await Oidc.LogInAsync(page, login, password);

        await page.WaitForURLAsync(url => url.StartsWith(DashboardUrl(), StringComparison.Ordinal) && !url.Contains("/signin-oidc", StringComparison.Ordinal));
        if (await page.Locator("#role").CountAsync() == 0 && login != NoRole)
        {
            throw new InvalidOperationException($"signing in as {login} ended at {page.Url}: {await page.InnerTextAsync("body")}");
        }

        return page;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Stack.DisposeAsync();
        await Oidc.DisposeAsync();
    }
}
