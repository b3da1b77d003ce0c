using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>The dashboard in headless Chromium, signed in through a real OIDC provider.</summary>
public sealed partial class DashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task An_admin_signs_in_creates_a_tunnel_sees_its_connector_come_online_and_go_and_deletes_it()
    {
        var page = await fixture.SignInAsync(DashboardFixture.Admin);
        Assert.Equal("admin", await page.TextContentAsync("#role"));
        Assert.Contains(DashboardFixture.Admin, await page.TextContentAsync("header"));

        var name = $"web-{Guid.NewGuid():N}"[..12];
        await page.FillAsync("input[name=Name]", name);
        await page.ClickAsync("#create");
        var command = (await page.TextContentAsync("#run-command"))!;
        var token = TokenPattern().Match(command).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), command);
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("1-created"), FullPage = true });

        await page.ClickAsync($"#tunnels a:text-is('{name}')");
        await page.FillAsync("input[name=Hostname]", $"{name}.localhost");
        await page.ClickAsync("#route");
        Assert.Contains($"{name}.localhost", await page.TextContentAsync("#hostnames"));
        Assert.Equal("down", await page.TextContentAsync("#status"));

        // The page is not reloaded: the status changes by itself when the connector connects, and again when it dies.
        var connector = Stack.StartConnector(token);
        await page.Locator("#status").Filter(new() { HasTextString = "healthy" }).WaitForAsync();
        await page.Locator("#connections tr").Nth(3).WaitForAsync();
        Assert.Equal("4", await page.TextContentAsync("#connection-count"));
        await Stack.WaitServedAsync($"{name}.localhost");
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("2-online"), FullPage = true });

        await connector.KillAsync();
        await page.Locator("#status").Filter(new() { HasTextString = "down" }).WaitForAsync();

        await page.FillAsync("#delete-confirm", "not-the-name");
        await page.ClickAsync("#delete");
        Assert.Contains("to confirm deleting", await page.TextContentAsync("[role=alert]"));
        await page.FillAsync("#delete-confirm", name);
        await page.ClickAsync("#delete");
        await page.WaitForURLAsync(fixture.DashboardUrl("/"));
        Assert.Equal(0, await page.Locator($"#tunnels tr[data-name='{name}']").CountAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.GetAsync($"api/tunnels/{name}")).StatusCode);

        var audit = await Stack.Api.GetStringAsync("api/audit?limit=50");
        Assert.Contains($"user:{DashboardFixture.Admin}", audit);
        Assert.DoesNotContain(token, audit);
    }

    [Fact]
    public async Task A_viewer_sees_tunnels_but_no_forms_and_a_forged_post_is_refused()
    {
        var (name, _, _) = await Stack.NewRoutedTunnelAsync();
        var page = await fixture.SignInAsync(DashboardFixture.Viewer);
        Assert.Equal("viewer", await page.TextContentAsync("#role"));
        await page.Locator($"#tunnels tr[data-name='{name}']").WaitForAsync();
        Assert.Equal(0, await page.Locator("#create").CountAsync());
        await page.GotoAsync(fixture.DashboardUrl($"/tunnels/{name}"));
        Assert.Equal(0, await page.Locator("#delete").CountAsync());
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("3-viewer"), FullPage = true });

        // A form post without the page's antiforgery token (what another site could make the browser send) is refused.
        var status = await page.EvaluateAsync<int>(
            "async n => (await fetch('/tunnels/' + n + '?handler=Delete', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Confirm=' + n })).status",
            name);
        Assert.Equal(400, status);
        Assert.Equal(HttpStatusCode.OK, (await Stack.Api.GetAsync($"api/tunnels/{name}")).StatusCode);
    }

    [Fact]
    public async Task Someone_the_provider_knows_but_no_group_grants_a_role_is_refused()
    {
        var page = await fixture.SignInAsync(DashboardFixture.NoRole);
        Assert.Contains("/denied", page.Url);
        Assert.Contains("has no role here", await page.TextContentAsync("[role=alert]"));
        await page.GotoAsync(fixture.DashboardUrl("/"));
        Assert.Contains("/login", page.Url);
    }

    [Fact]
    public async Task Anonymous_visitors_see_no_navigation_on_the_sign_in_and_denied_pages()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        foreach (var path in new[] { "/login", "/denied", $"/denied?login={Uri.EscapeDataString(DashboardFixture.NoRole)}" })
        {
            Assert.Equal(200, (await page.GotoAsync(fixture.DashboardUrl(path)))!.Status);
            Assert.Equal(0, await page.Locator("header a, #nav").CountAsync());
            Assert.Equal(0, await page.Locator("a[href='/tokens'], a[href='/access']").CountAsync());
        }

        // Someone the provider knows but who has no role lands on /denied still anonymous: no navigation either.
        var denied = await fixture.SignInAsync(DashboardFixture.NoRole);
        Assert.Contains("/denied", denied.Url);
        Assert.Equal(0, await denied.Locator("header a, #nav").CountAsync());
        var users = await Stack.Api.GetFromJsonAsync<JsonElement>("api/users");
        var seen = users.EnumerateArray().Single(u => u.GetProperty("login").GetString() == DashboardFixture.NoRole).GetProperty("lastSeenAt");
        Assert.Equal(JsonValueKind.String, seen.ValueKind); // the refused sign-in is still recorded
    }

    [Fact]
    public async Task An_unknown_tunnel_is_a_404_page_in_the_dashboard_layout_not_json()
    {
        var page = await fixture.SignInAsync(DashboardFixture.Admin);
        var name = $"gone-{Guid.NewGuid():N}"[..13];
        var response = (await page.GotoAsync(fixture.DashboardUrl($"/tunnels/{name}")))!;

        Assert.Equal(404, response.Status);
        Assert.StartsWith("text/html", response.Headers["content-type"]);
        Assert.Equal($"No tunnel named or with id '{name}'.", await page.TextContentAsync("#not-found"));
        Assert.Equal("admin", await page.TextContentAsync("#role"));
        Assert.Equal(1, await page.Locator("#nav a[href='/tokens']").CountAsync());
        Assert.DoesNotContain("\"status\"", await page.ContentAsync());

        await page.ClickAsync("#back-to-tunnels");
        await page.WaitForURLAsync(fixture.DashboardUrl("/"));
        await page.Locator("#tunnels").WaitForAsync();
    }

    [Fact]
    public async Task Signing_in_with_an_api_token_works_and_a_return_url_cannot_leave_the_site()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        await page.GotoAsync(fixture.DashboardUrl("/login?ReturnUrl=https%3A%2F%2Fevil.example%2F"));
        await page.FillAsync("#token", "wrong");
        await page.ClickAsync("#sign-in-token");
        Assert.Contains("not known here", await page.TextContentAsync("[role=alert]"));

        await page.FillAsync("#token", Stack.AdminKey);
        // Room for a loaded machine, and where the sign-in ended when it does not reach the dashboard.
        await page.ClickAsync("#sign-in-token");
        try
        {
            await page.WaitForURLAsync(fixture.DashboardUrl("/"), new PageWaitForURLOptions { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"signing in with the admin key ended at {page.Url}: {await page.InnerTextAsync("body")}");
        }

        Assert.Equal("admin", await page.TextContentAsync("#role"));

        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync(url => url.Contains("/login", StringComparison.Ordinal));
        await page.GotoAsync(fixture.DashboardUrl("/tokens"));
        Assert.Contains("/login", page.Url);
    }

    [Fact]
    public async Task An_admin_manages_access_applications_and_service_tokens_in_the_dashboard()
    {
        var page = await fixture.SignInAsync(DashboardFixture.Admin);
        await page.GotoAsync(fixture.DashboardUrl("/access"));
        var name = $"app-{Guid.NewGuid():N}"[..12];
        await page.FillAsync("#application-json", "{ not json");
        await page.ClickAsync("#save-application");
        Assert.Contains("The application was not saved: $", await page.TextContentAsync("[role=alert]"));
        await page.FillAsync("#application-json", $$"""{ "name": "{{name}}", "domains": ["{{name}}.localhost"], "polices": [] }""");
        await page.ClickAsync("#save-application");
        Assert.Contains("unknown key 'polices' at $", await page.TextContentAsync("[role=alert]"));

        await page.FillAsync("#application-json", $$"""
            { "name": "{{name}}", "domains": ["{{name}}.localhost"], "sessionMinutes": 60,
              "policies": [ { "name": "staff", "action": "allow", "include": [ { "emailDomain": "example.com" } ] } ] }
            """);
        await page.ClickAsync("#save-application");
        Assert.Contains("@example.com", await page.TextContentAsync($"#applications tr[data-name='{name}']"));

        await page.FillAsync("#application-json", $$"""{ "name": "{{name}}", "domains": ["{{name}}.localhost"], "policies": [ { "name": "x", "action": "maybe", "include": [ { "everyone": true } ] } ] }""");
        await page.ClickAsync("#save-application");
        Assert.Contains("action 'maybe'", await page.TextContentAsync("[role=alert]"));

        await page.FillAsync("input[name=Name]", $"robot-{name}");
        await page.ClickAsync("#create-service-token");
        Assert.Contains("Tunnel-Access-Client-Secret:", await page.TextContentAsync("#new-service-token"));
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("4-access"), FullPage = true });
        var apps = await Stack.Api.GetStringAsync("api/access/apps");
        Assert.Contains(name, apps);
    }

    [GeneratedRegex(@"--token (\S+)")]
    private static partial Regex TokenPattern();
}
