using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Access;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Security;

/// <summary>
/// The attacker's pass on logins and tokens, with a real provider and Chromium: path-scoped logins, replayed and
/// cross-browser hand-offs, open redirects, crafted command-line logins, revoked sessions and service tokens.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class LoginAttackTests(AccessFixture fixture)
{
    private readonly SecurityScenario _s = new(fixture);
    private TunnelStack Stack => fixture.Stack;
    private string AuthBase => $"https://{AccessFixture.AuthHost}:{Stack.PublicPort}";

    private static string SessionCookie(JsonElement app) => "__Host-tunnel_access_" + Guid.Parse(app.GetProperty("id").GetString()!).ToString("N");

    /// <summary>A client that follows no redirect and keeps no cookies: each step of a login is seen and chosen by the test.</summary>
    private HttpClient RawClient()
    {
        var handler = Stack.PublicHandler();
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string url, string? cookie = null, string accept = "text/html")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Logs a person in through the browser and returns the browser's auth-hostname cookies as a Cookie header.</summary>
    private async Task<string> AuthSessionAsync(string hostname, string login)
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Stack.PublicUrl(hostname, "/admin/").AbsoluteUri);
        await fixture.LogInAtProviderAsync(page, login);
        await page.WaitForURLAsync(url => url.StartsWith(Stack.PublicUrl(hostname, "/admin/").AbsoluteUri, StringComparison.Ordinal));
        var cookies = await page.Context.CookiesAsync();
        return string.Join("; ", cookies.Where(c => c.Domain == AccessFixture.AuthHost).Select(c => $"{c.Name}={c.Value}"));
    }

    private async Task<(string Host, JsonElement App)> ProtectedHostAsync()
    {
        var host = await _s.ServedHostnameAsync();
        var app = await _s.CreateAppAsync($"team-{host}", [host], SecurityScenario.Allow("example.com"), SecurityScenario.Allow("other.org"));
        await _s.WaitStatusAsync(host, "/admin/", 401);
        return (host, app);
    }

    [Fact]
    public async Task Path_scoped_applications_log_in_on_their_own_paths_with_their_own_cookies()
    {
        var host = await _s.ServedHostnameAsync();
        var admin = await _s.CreateAppAsync($"admin-{host}", [$"{host}/admin"], SecurityScenario.Allow("example.com"));
        var team = await _s.CreateAppAsync($"team-{host}", [$"{host}/public/team"], SecurityScenario.Allow("example.com"));
        await _s.WaitStatusAsync(host, "/public/team/x", 401);

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Stack.PublicUrl(host, "/admin/x").AbsoluteUri);
        await fixture.LogInAtProviderAsync(page, AccessFixture.Alice);
        await page.WaitForURLAsync(Stack.PublicUrl(host, "/admin/x").AbsoluteUri);
        var seen = JsonDocument.Parse(await page.InnerTextAsync("body")).RootElement;
        Assert.Equal("/admin/x", seen.GetProperty("target").GetString());
        Assert.True(seen.GetProperty("headers").TryGetProperty("Tunnel-Access-Jwt-Assertion", out _));

        // The second application on the same hostname: single sign-on, its own cookie.
        await page.GotoAsync(Stack.PublicUrl(host, "/public/team/y").AbsoluteUri);
        await page.WaitForURLAsync(Stack.PublicUrl(host, "/public/team/y").AbsoluteUri);
        Assert.Contains("/public/team/y", await page.InnerTextAsync("body"));
        var names = (await page.Context.CookiesAsync()).Where(c => c.Domain == host).Select(c => c.Name).ToList();
        Assert.Contains(SessionCookie(admin), names);
        Assert.Contains(SessionCookie(team), names);

        // One application's session is not another's.
        var adminSession = (await page.Context.CookiesAsync()).Single(c => c.Name == SessionCookie(admin)).Value;
        Assert.Equal(401, (await _s.RawGetAsync(host, "/public/team/y", $"Cookie: {SessionCookie(team)}={adminSession}")).Status);
        Assert.Equal(401, (await _s.RawGetAsync(host, "/public/team/y", $"Tunnel-Access-Token: {adminSession}")).Status);
    }

    [Fact]
    public async Task A_hand_off_works_once_and_only_in_the_browser_that_started_the_login()
    {
        var (host, app) = await ProtectedHostAsync();
        var mallory = await AuthSessionAsync(host, AccessFixture.Mallory);
        using var client = RawClient();

        // Mallory starts a login of her own, step by step: the gate's nonce cookie, then the auth host's hand-off.
        var start = await GetAsync(client, Stack.PublicUrl(host, "/whoami").AbsoluteUri);
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var nonceCookie = start.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Host-tunnel_login_", StringComparison.Ordinal)).Split(';')[0];
        var atAuth = await GetAsync(client, start.Headers.Location!.AbsoluteUri, mallory);
        Assert.Equal(HttpStatusCode.Redirect, atAuth.StatusCode);
        var handoff = atAuth.Headers.Location!.AbsoluteUri;
        Assert.Contains("/.tunnel/callback?", handoff);

        // Sent to a victim's browser (login CSRF), it signs nobody in: the browser is sent to log in as itself.
        var victim = await fixture.NewPageAsync();
        await victim.GotoAsync(handoff);
        await victim.WaitForURLAsync(url => url.StartsWith(fixture.Oidc.Issuer, StringComparison.Ordinal));
        Assert.DoesNotContain(await victim.Context.CookiesAsync(), c => c.Name == SessionCookie(app));
        await fixture.LogInAtProviderAsync(victim, AccessFixture.Alice);
        await victim.WaitForURLAsync(Stack.PublicUrl(host, "/whoami").AbsoluteUri);
        Assert.Contains(AccessFixture.Alice, await victim.InnerTextAsync("body"));

        // In the browser that started it, it works once; a replay is refused.
        var first = await GetAsync(client, handoff, nonceCookie);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Contains(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SessionCookie(app) + "=", StringComparison.Ordinal));
        Assert.Equal("/whoami", first.Headers.Location!.OriginalString);
        var replay = await GetAsync(client, handoff, nonceCookie);
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Contains("already used", await replay.Content.ReadAsStringAsync());
        Assert.False(replay.Headers.Contains("Set-Cookie") && replay.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(SessionCookie(app), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Login_return_addresses_never_leave_the_application()
    {
        var (host, app) = await ProtectedHostAsync();
        var id = app.GetProperty("id").GetString();
        var alice = await AuthSessionAsync(host, AccessFixture.Alice);
        using var client = RawClient();
        var port = Stack.PublicPort;
        foreach (var target in new[]
        {
            "https://evil.example/", $"https://{host}.evil.example/", $"https://{host}@evil.example/", $"https://evil.example\\@{host}/",
            "https:/\t/evil.example/", $"https://{host}:{port}/\t/evil.example", $"https://{host}:{port}/x\u0000", "https://hóst.example/",
            "//evil.example/", "javascript:alert(1)", $"http://{host}:{port}/", "http://127.0.0.1/callback", "http://127.0.0.1:80/callback",
            "http://evil.example:8080/callback", "http://127.0.0.1:9999/callback@evil.example", $"https://{host}:1234/", $"https://{host}/",
        })
        {
            var response = await GetAsync(client, $"{AuthBase}/.tunnel/login?app={id}&return={Uri.EscapeDataString(target)}", alice);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{target}: {(int)response.StatusCode} {response.Headers.Location}");
        }

        // The application's callback takes its return path from the signed hand-off only: parameters are ignored.
        var forged = await GetAsync(client, Stack.PublicUrl(host, $"/.tunnel/callback?app={id}&token=abc.def.ghi&return=//evil.example").AbsoluteUri);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null(forged.Headers.Location);
    }

    [Fact]
    public async Task A_crafted_command_line_login_link_hands_nothing_to_a_local_listener()
    {
        var (host, app) = await ProtectedHostAsync();
        var id = app.GetProperty("id").GetString();
        var alice = await AuthSessionAsync(host, AccessFixture.Alice);
        using var client = RawClient();
        var loopback = Uri.EscapeDataString($"http://127.0.0.1:{Ports.Free()}/callback");

        // Without the client's state and PKCE challenge: refused.
        var bare = await GetAsync(client, $"{AuthBase}/.tunnel/login?app={id}&return={loopback}", alice);
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);

        // With an attacker's own state and challenge: a confirmation page, not a redirect carrying anything.
        var challenge = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Security.Cryptography.SHA256.HashData("attacker-verifier-0123456789-0123456789"u8));
        var crafted = await GetAsync(client, $"{AuthBase}/.tunnel/login?app={id}&return={loopback}&state=attacker-state-123456&code_challenge={challenge}&code_challenge_method=S256", alice);
        Assert.Equal(HttpStatusCode.OK, crafted.StatusCode);
        Assert.Null(crafted.Headers.Location);
        Assert.Contains("Sign in the command-line client?", await crafted.Content.ReadAsStringAsync());
        Assert.Contains("DENY", crafted.Headers.GetValues("X-Frame-Options"));

        // A confirmation posted from elsewhere (no antiforgery token of this page) is refused.
        var post = new HttpRequestMessage(HttpMethod.Post, $"{AuthBase}/.tunnel/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["app"] = id!, ["return"] = Uri.UnescapeDataString(loopback), ["state"] = "attacker-state-123456",
                ["code_challenge"] = challenge, ["code_challenge_method"] = "S256", ["confirm"] = "yes",
            }),
        };
        post.Headers.TryAddWithoutValidation("Cookie", alice);
        var forged = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        // A code is worth nothing without the verifier.
        var redeem = await client.PostAsync($"{AuthBase}/.tunnel/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "guessed", ["code_verifier"] = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, redeem.StatusCode);
        Assert.Equal("invalid_grant", (await redeem.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Ending_sessions_or_logging_out_ends_the_login_session_too()
    {
        var (host, _) = await ProtectedHostAsync();
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Stack.PublicUrl(host, "/whoami").AbsoluteUri);
        await fixture.LogInAtProviderAsync(page, AccessFixture.Alice);
        await page.WaitForURLAsync(Stack.PublicUrl(host, "/whoami").AbsoluteUri);

        // Logging out at the application ends the auth hostname's session as well: the next visit goes to the provider.
        await page.GotoAsync(Stack.PublicUrl(host, "/.tunnel/logout").AbsoluteUri);
        await page.WaitForURLAsync($"{AuthBase}/.tunnel/logout");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Domain == AccessFixture.AuthHost && c.Name.StartsWith("tunnel_auth", StringComparison.Ordinal) && !c.Name.Contains("antiforgery"));
        var providerVisits = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.StartsWith(fixture.Oidc.Issuer, StringComparison.Ordinal))
            {
                providerVisits.Add(request.Url);
            }
        };
        await page.GotoAsync(Stack.PublicUrl(host, "/whoami").AbsoluteUri);
        await page.WaitForURLAsync(Stack.PublicUrl(host, "/whoami").AbsoluteUri); // the provider's own session signs her in again
        Assert.NotEmpty(providerVisits);

        // An admin ends her sessions: the auth hostname's session mints nothing more; the provider asks for a real login.
        await Task.Delay(1100); // session times have one-second resolution
        (await Stack.Api.PostAsJsonAsync("api/access/sessions/revoke", new { email = AccessFixture.Alice })).EnsureSuccessStatusCode();
        await Eventually.Until(() => _s.RawGetAsync(host, "/whoami", $"Cookie: {string.Join("; ", (page.Context.CookiesAsync().Result).Where(c => c.Domain == host).Select(c => $"{c.Name}={c.Value}"))}"),
            r => r.Status == 401, TimeSpan.FromSeconds(5), "the revoked application session refused");
        await page.GotoAsync(Stack.PublicUrl(host, "/whoami").AbsoluteUri);
        await page.WaitForURLAsync(url => url.StartsWith(fixture.Oidc.Issuer, StringComparison.Ordinal));
        await page.Locator("input[name=password]").WaitForAsync();
    }

    [Fact]
    public async Task A_revoked_service_tokens_assertion_is_refused_wherever_it_is_presented()
    {
        var host = await _s.ServedHostnameAsync();
        var token = await _s.CreateServiceTokenAsync($"revoke-{host}");
        await _s.CreateAppAsync($"svc-{host}", [host], SecurityScenario.ServiceAuth(token.ClientId));
        await _s.WaitStatusAsync(host, "/admin/x", 401); // the application enforced, so a 200 below carries an assertion
        var allowed = await Eventually.Until(() => _s.RawGetAsync(host, "/admin/x", SecurityScenario.TokenHeaders(token)), r => r.Status == 200,
            TimeSpan.FromSeconds(10), "the service token accepted");
        var seen = JsonDocument.Parse(allowed.Body[allowed.Body.IndexOf('{')..(allowed.Body.LastIndexOf('}') + 1)]).RootElement;
        Assert.True(seen.GetProperty("headers").TryGetProperty("Tunnel-Access-Jwt-Assertion", out var carried), allowed.Body);
        var assertion = carried.GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await Stack.Api.DeleteAsync($"api/access/service-tokens/{token.Id}")).StatusCode);
        await _s.WaitStatusAsync(host, "/admin/x", 401, SecurityScenario.TokenHeaders(token));
        // An origin's copy of the assertion, replayed as a session token or cookie, dies with the token.
        Assert.Equal(401, (await _s.RawGetAsync(host, "/admin/x", $"Tunnel-Access-Token: {assertion}")).Status);
    }
}
