using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;
using Tunnel.EndToEnd.Tests.Infrastructure.Compose;
using Tunnel.Shared.Security;

namespace Tunnel.EndToEnd.Tests.Operations;

/// <summary>
/// docker-compose.yml, run as the processes its services would be (no Docker engine here), does what its header
/// promises: a demo hostname protected by Access, a login that works for alice and refuses bob, and a dashboard.
/// A setting the file passes that the code no longer reads, or a service wired to the wrong address, fails here.
/// </summary>
public class ComposeStackTests
{
    [Fact]
    public async Task The_compose_configuration_gives_a_protected_demo_with_a_working_login_and_a_dashboard()
    {
        var variables = new Dictionary<string, string>
        {
            ["TUNNEL_ADMIN_API_KEY"] = SecretHash.NewSecret(),
            ["TUNNEL_EDGE_KEY"] = SecretHash.NewSecret(),
        };
        await using var compose = await ComposeStack.StartAsync(variables);
        var t = compose.Translation;
        var demo = $"https://demo.localhost:{t.Port("edge", 443)}";
        var issuer = t.Text(compose.Service("controlplane"), compose.Service("controlplane").Environment["ControlPlane__Oidc__Authority"]);
        var users = JsonDocument.Parse(compose.Service("oidc").Environment["DEV_OIDC_USERS"]).RootElement;
        string PasswordOf(string user) => users.GetProperty(user).GetProperty("password").GetString()!;

        Assert.Equal(0, compose.Process("setup").ExitCode); // the connector waited for it to complete

        // Protected: a client without a session is refused and told where to log in.
        var handler = TunnelStack.LoopbackHandler(Path.Combine(t.VolumeDirectory("edge"), "certs", DevCertificateAuthority.CaFileName));
        handler.AllowAutoRedirect = false;
        using var client = new HttpClient(handler);
        using (var anonymous = await client.GetAsync($"{demo}/whoami"))
        {
            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"{anonymous.StatusCode}\n{compose.Output}");
            Assert.True(anonymous.Headers.Contains("Tunnel-Access-Login-Url"));
        }

        var (playwright, browser) = await Browser.LaunchAsync();
        try
        {
            // alice (group staff) logs in and reaches the origin, which verified the edge's assertion itself.
            var alice = await NewPageAsync(browser);
            await alice.GotoAsync($"{demo}/whoami");
            await DevOidcProvider.LogInAsync(alice, issuer, "alice@example.com", PasswordOf("alice@example.com"));
            await alice.WaitForURLAsync($"{demo}/whoami");
            var whoami = await Eventually.Until(async () =>
            {
                await alice.ReloadAsync();
                return await alice.TextContentAsync("body") ?? "";
            }, body => body.Contains("alice@example.com"), TimeSpan.FromSeconds(30), "the demo origin served to alice");
            Assert.Contains("\"staff\"", whoami);
            await alice.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("compose-1-demo") });

            // bob (group contractors) is refused by the application's policy.
            var bob = await NewPageAsync(browser);
            await bob.GotoAsync($"{demo}/whoami");
            await DevOidcProvider.LogInAsync(bob, issuer, "bob@example.com", PasswordOf("bob@example.com"));
            await bob.WaitForURLAsync($"{demo}/whoami");
            Assert.Contains("403", await bob.TitleAsync());

            // The dashboard: alice signs in with SSO (group tunnel-admins) and sees the demo tunnel online.
            var dashboard = await NewPageAsync(browser);
            var dashboardUrl = $"https://localhost:{t.Port("controlplane", 7800)}/";
            await dashboard.GotoAsync(dashboardUrl);
            await dashboard.ClickAsync("#sign-in-oidc");
            await DevOidcProvider.LogInAsync(dashboard, issuer, "alice@example.com", PasswordOf("alice@example.com"));
            await dashboard.WaitForURLAsync(url => url.StartsWith(dashboardUrl, StringComparison.Ordinal));
            await dashboard.ClickAsync("#tunnels a:text-is('demo')");
            await dashboard.Locator("#status").Filter(new() { HasTextString = "healthy" }).WaitForAsync();
            await dashboard.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("compose-2-dashboard") });

            // Every health check the images and the compose file define passes on the running stack.
            foreach (var service in compose.Services.Where(s => s.EffectiveHealthCheck is not null && s.Image is null))
            {
                var (exit, output) = await compose.CheckHealthAsync(service);
                Assert.True(exit == 0, $"{service.Name} health check failed: {output}");
            }
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new InvalidOperationException($"{ex.Message}\n{compose.Output}", ex);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    private static async Task<IPage> NewPageAsync(IBrowser browser)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        return page;
    }
}
