using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>Every dashboard page for admins and viewers: accessibility (axe-core), the audit log's filters and pages, users and roles.</summary>
public sealed class DashboardPagesTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task No_page_has_serious_accessibility_violations_signed_in_as_admin_or_viewer_or_signed_out()
    {
        var (name, hostname, _) = await Stack.NewRoutedTunnelAsync();
        string[] pages =
        [
            "/", $"/tunnels/{name}", "/access", "/access/apps", "/access/test",
            $"/access/test?Url={Uri.EscapeDataString($"https://{hostname}/x")}&Email=a%40example.com&Groups=staff", "/access/test?RequestId=unknown",
            "/tokens", "/users", "/audit", "/audit?From=not-a-time",
        ];
        var problems = new List<string>();
        foreach (var login in new[] { DashboardFixture.Admin, DashboardFixture.Viewer })
        {
            var page = await fixture.SignInAsync(login);
            foreach (var path in pages)
            {
                Assert.Equal(200, (await page.GotoAsync(fixture.DashboardUrl(path)))!.Status);
                problems.AddRange((await Axe.SeriousViolationsAsync(page)).Select(v => $"{login} {path}: {v}"));
            }
        }

        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        var anonymous = await context.NewPageAsync();
        foreach (var path in new[] { "/login", "/denied" })
        {
            await anonymous.GotoAsync(fixture.DashboardUrl(path));
            problems.AddRange((await Axe.SeriousViolationsAsync(anonymous)).Select(v => $"anonymous {path}: {v}"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task The_audit_log_filters_by_actor_action_tunnel_and_time_and_pages_through_older_events()
    {
        var prefix = $"aud{Guid.NewGuid():N}"[..9];
        var names = Enumerable.Range(0, 53).Select(i => $"{prefix}-{i}").ToList();
        foreach (var n in names)
        {
            (await Stack.Api.PostAsJsonAsync("api/tunnels", new { name = n })).EnsureSuccessStatusCode();
        }

        (await Stack.Api.PostAsJsonAsync($"api/tunnels/{names[7]}/hostnames", new { hostname = $"{names[7]}.localhost" })).EnsureSuccessStatusCode();

        var page = await fixture.SignInAsync(DashboardFixture.Viewer);
        await page.ClickAsync("#nav >> text=Audit log");
        await page.SelectOptionAsync("#Action", "tunnel.create");
        await page.ClickAsync("#apply-filters");
        Assert.Equal(50, await page.Locator("#audit tbody tr").CountAsync());
        Assert.All(await page.Locator("#audit tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.action)"), a => Assert.Equal("tunnel.create", a));
        var firstPage = await page.InnerTextAsync("#audit tbody");
        Assert.Contains(names[^1], firstPage); // newest first

        await page.ClickAsync("#older");
        var secondPage = await page.InnerTextAsync("#audit tbody");
        Assert.Contains(names[0], secondPage);
        Assert.DoesNotContain(names[^1], secondPage);
        Assert.Equal("tunnel.create", await page.InputValueAsync("#Action")); // the filters stay on the next page

        // One tunnel's trail: its creation and its route, nothing else.
        await page.GotoAsync(fixture.DashboardUrl($"/audit?Tunnel={names[7]}"));
        Assert.Equal(["hostname.route", "tunnel.create"], await page.Locator("#audit tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.action)"));

        // By actor; by time: nothing after an hour from now, everything of the last hour.
        await page.GotoAsync(fixture.DashboardUrl($"/audit?Actor=nobody%40example.com"));
        Assert.Contains("No events", await page.InnerTextAsync("#audit-empty"));
        var soon = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm");
        var hourAgo = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm");
        await page.GotoAsync(fixture.DashboardUrl($"/audit?From={soon}"));
        Assert.Equal(1, await page.Locator("#audit-empty").CountAsync());
        await page.GotoAsync(fixture.DashboardUrl($"/audit?Tunnel={names[7]}&From={hourAgo}&To={soon}"));
        Assert.Equal(2, await page.Locator("#audit tbody tr").CountAsync());
        var api = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/audit?action=tunnel.create&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}");
        Assert.Equal(0, api.GetProperty("items").GetArrayLength());

        // Bad input is named.
        await page.GotoAsync(fixture.DashboardUrl($"/audit?From={soon}&To={hourAgo}"));
        Assert.Contains("From must not be later than To", await page.InnerTextAsync("#audit-error"));
        await page.GotoAsync(fixture.DashboardUrl("/audit?To=yesterday"));
        Assert.Contains("'yesterday' is not a date and time", await page.InnerTextAsync("#audit-error"));
        await page.GotoAsync(fixture.DashboardUrl("/audit?Tunnel=no-such-tunnel"));
        Assert.Contains("no tunnel named 'no-such-tunnel'", await page.InnerTextAsync("#audit-error"));
    }

    [Fact]
    public async Task An_admin_sets_a_role_on_the_users_page_and_a_viewer_can_only_look()
    {
        var newcomer = $"bob-{Guid.NewGuid():N}"[..12] + "@example.com";
        var admin = await fixture.SignInAsync(DashboardFixture.Admin);
        await admin.ClickAsync("#nav >> text=Users");
        await admin.FillAsync("#grant-login", newcomer);
        await admin.SelectOptionAsync("#grant-role", "viewer");
        await admin.ClickAsync("#grant-role-button");
        Assert.Contains("viewer", await admin.InnerTextAsync($"#users tr[data-login='{newcomer}']"));
        var users = await Stack.Api.GetFromJsonAsync<JsonElement>("api/users");
        Assert.Equal("viewer", users.EnumerateArray().Single(u => u.GetProperty("login").GetString() == newcomer).GetProperty("role").GetString());
        Assert.Contains("user.set_role", await Stack.Api.GetStringAsync("api/audit?action=user.set_role"));

        await admin.FillAsync("#grant-login", "not an email");
        await admin.EvaluateAsync("() => document.querySelector('#grant-login').type = 'text'"); // past the browser's own check
        await admin.FillAsync("#grant-login", new string('x', 330));
        await admin.ClickAsync("#grant-role-button");
        Assert.Contains("at most 320 characters", await admin.InnerTextAsync("#users-error"));

        var viewer = await fixture.SignInAsync(DashboardFixture.Viewer);
        await viewer.GotoAsync(fixture.DashboardUrl("/users"));
        Assert.Contains(newcomer, await viewer.InnerTextAsync("#users"));
        Assert.Equal(0, await viewer.Locator("#users form, #grant").CountAsync());
        // Even with a valid antiforgery token (the sign-out form's), the server refuses a viewer's change.
        var landed = await viewer.EvaluateAsync<string>("""
            async login => {
                const token = document.querySelector('input[name=__RequestVerificationToken]').value;
                const body = new URLSearchParams({ Login: login, Role: 'admin', __RequestVerificationToken: token });
                const r = await fetch('/users?handler=Role', { method: 'POST', body });
                return r.status + ' ' + new URL(r.url).pathname;
            }
            """, newcomer);
        Assert.Equal("200 /denied", landed); // refused: sent to the page that says the role does not allow it
        users = await Stack.Api.GetFromJsonAsync<JsonElement>("api/users");
        Assert.Equal("viewer", users.EnumerateArray().Single(u => u.GetProperty("login").GetString() == newcomer).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Destructive_actions_ask_first_and_a_name_cannot_script_the_question()
    {
        var name = $"q'\"); alert(1); //{Guid.NewGuid():N}"[..28];
        (await Stack.Api.PostAsJsonAsync("api/tokens", new { name, role = "viewer" })).EnsureSuccessStatusCode();
        var page = await fixture.SignInAsync(DashboardFixture.Admin);
        await page.GotoAsync(fixture.DashboardUrl("/tokens"));
        var row = page.Locator("#tokens tr").Filter(new() { HasTextString = name });

        string? asked = null;
        void Dismiss(object? _, IDialog dialog) { asked = dialog.Message; _ = dialog.DismissAsync(); }
        page.Dialog += Dismiss;
        await row.Locator("button:text-is('Revoke')").ClickAsync();
        Assert.Equal($"Revoke the token {name}? Whatever uses it is refused from now on.", asked); // the name as text
        Assert.Contains("active", await row.InnerTextAsync());                                      // dismissed: nothing happened

        page.Dialog -= Dismiss;
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await row.Locator("button:text-is('Revoke')").ClickAsync();
        await page.Locator("#tokens tr").Filter(new() { HasTextString = name }).Filter(new() { HasTextString = "revoked" }).WaitForAsync();
    }

    [Fact]
    public async Task An_admin_sets_the_identity_provider_in_its_form_and_a_bad_authority_is_named()
    {
        var page = await fixture.SignInAsync(DashboardFixture.Admin);
        await page.GotoAsync(fixture.DashboardUrl("/access"));
        await page.FillAsync("#idp-auth-hostname", "auth-form.localhost");
        await page.FillAsync("#idp-authority", "not a url");
        await page.FillAsync("#idp-client-id", "tunnel-access");
        await page.FillAsync("#idp-client-secret", "a-secret-for-the-form");
        await page.ClickAsync("#save-provider");
        Assert.Contains("The identity provider was not saved", await page.InnerTextAsync("#provider-error"));
        Assert.Equal("auth-form.localhost", await page.InputValueAsync("#idp-auth-hostname")); // what was typed stays

        await page.FillAsync("#idp-authority", fixture.Oidc.Issuer);                           // a real provider: discovery is checked
        await page.FillAsync("#idp-client-secret", "a-secret-for-the-form");
        await page.FillAsync("#idp-scopes", "openid email profile groups");
        await page.ClickAsync("#save-provider");
        Assert.Contains("Identity provider saved", await page.InnerTextAsync("[role=status]"));
        var saved = await Stack.Api.GetFromJsonAsync<JsonElement>("api/access/identity-provider");
        Assert.Equal((fixture.Oidc.Issuer, "tunnel-access", true), (saved.GetProperty("authority").GetString(), saved.GetProperty("clientId").GetString(), saved.GetProperty("hasClientSecret").GetBoolean()));
        Assert.DoesNotContain("a-secret-for-the-form", await page.ContentAsync()); // the secret is never shown back
    }

    [Fact]
    public async Task Every_page_fits_a_phone_and_the_navigation_works_from_the_keyboard()
    {
        var (name, _, _) = await Stack.NewRoutedTunnelAsync();
        var page = await fixture.SignInAsync(DashboardFixture.Admin);
        await page.SetViewportSizeAsync(390, 844);
        foreach (var path in new[] { "/", $"/tunnels/{name}", "/access", "/access/apps", "/access/test", "/tokens", "/users", "/audit" })
        {
            await page.GotoAsync(fixture.DashboardUrl(path));
            var (scroll, width) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("window.innerWidth"));
            Assert.True(scroll <= width, $"{path} is {scroll} px wide on a {width} px screen");
        }

        await page.GotoAsync(fixture.DashboardUrl("/"));
        for (var i = 0; i < 30 && await page.EvaluateAsync<string>("document.activeElement?.textContent ?? ''") != "Audit log"; i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }

        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync(fixture.DashboardUrl("/audit"));
    }
}
