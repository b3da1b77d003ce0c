using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Access;

/// <summary>Access at the edge: service tokens, bypass paths, browser login through a real provider, assertions, and the attacks on each.</summary>
public sealed class AccessTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private async Task<string> ServedHostnameAsync()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
        return hostname;
    }

    /// <summary>Each application has its own session cookie on its hostname.</summary>
    private static string SessionCookie(JsonElement app) => "__Host-tunnel_access_" + Guid.Parse(app.GetProperty("id").GetString()!).ToString("N");

    private async Task<JsonElement> CreateAppAsync(string name, string[] domains, object[] policies, int sessionMinutes = 60)
    {
        var response = await Stack.Api.PostAsJsonAsync("api/access/apps", new { name, domains, sessionMinutes, policies });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<HttpResponseMessage> GetAsync(string hostname, string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Stack.PublicUrl(hostname, path));
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Stack.Public.SendAsync(request);
    }

    [Fact]
    public async Task Service_tokens_pass_with_a_signed_assertion_and_stop_when_revoked()
    {
        var hostname = await ServedHostnameAsync();
        await CreateAppAsync($"svc-{hostname}", [hostname], [new { name = "machines", action = "service_auth", include = new[] { new { anyServiceToken = true } } }]);
        var created = await (await Stack.Api.PostAsJsonAsync("api/access/service-tokens", new { name = "ci" })).Content.ReadFromJsonAsync<JsonElement>();
        var clientId = created.GetProperty("info").GetProperty("clientId").GetString()!;
        var secret = created.GetProperty("clientSecret").GetString()!;

        var anonymous = await Eventually.Until(() => GetAsync(hostname, "/small"), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the edge enforcing the new application");
        var body = await anonymous.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("access_required", body.GetProperty("error").GetString());
        Assert.Contains("/.tunnel/login", body.GetProperty("login_url").GetString());

        (string, string)[] token = [("Tunnel-Access-Client-Id", clientId), ("Tunnel-Access-Client-Secret", secret)];
        var whoami = await Eventually.Until(() => GetAsync(hostname, "/whoami", token), r => r.StatusCode != HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the edge knowing the new service token");
        Assert.True(whoami.StatusCode == HttpStatusCode.OK, $"{(int)whoami.StatusCode} {await whoami.Content.ReadAsStringAsync()}");
        var claims = await whoami.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("service_token", claims.GetProperty("type").GetString());
        Assert.Equal(clientId, claims.GetProperty("common_name").GetString());

        // At an application with no service_auth policy, the 403 says why a valid token is refused.
        var peopleOnly = await ServedHostnameAsync();
        await CreateAppAsync($"people-{peopleOnly}", [peopleOnly], [new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } }]);
        var refused = await Eventually.Until(() => GetAsync(peopleOnly, "/small", token), r => r.StatusCode == HttpStatusCode.Forbidden,
            TimeSpan.FromSeconds(10), "the people-only application enforced");
        Assert.Contains("only by a policy with action service_auth", await refused.Content.ReadAsStringAsync());

        // A client cannot hand the origin an assertion of its own.
        var spoofed = await GetAsync(hostname, "/headers", [.. token, ("Tunnel-Access-Jwt-Assertion", "forged")]);
        var seen = await spoofed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual("forged", seen.GetProperty("Tunnel-Access-Jwt-Assertion").GetString());

        var wrong = await GetAsync(hostname, "/small", ("Tunnel-Access-Client-Id", clientId), ("Tunnel-Access-Client-Secret", secret + "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("service token", await wrong.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await Stack.Api.DeleteAsync($"api/access/service-tokens/{created.GetProperty("info").GetProperty("id").GetString()}")).StatusCode);
        await Eventually.Until(() => GetAsync(hostname, "/small", token), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(5), "the revoked token refused");
    }

    [Fact]
    public async Task A_bypass_path_does_not_leak_into_protected_paths_by_encoding_tricks()
    {
        var hostname = await ServedHostnameAsync();
        await CreateAppAsync($"private-{hostname}", [hostname], [new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } }]);
        await CreateAppAsync($"public-{hostname}", [$"{hostname}/public"], [new { name = "open", action = "bypass", include = new[] { new { everyone = true } } }]);
        await Eventually.Until(() => GetAsync(hostname, "/small"), r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10), "private app enforced");
        await Eventually.Until(() => GetAsync(hostname, "/public"), r => r.StatusCode != HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10), "public path open");

        // The origin answers 404 for these paths: what matters is whether the edge let the request through.
        // ("//public/page" is forwarded as "/public/page", the one form every server agrees on, so it is open.)
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await GetAsync(hostname, "/public")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await GetAsync(hostname, "/public/page")).StatusCode);
        foreach (var trick in new[] { "/PUBLIC/page", "/Public", "/publicity", "/public%2F..%2Fsmall", "/public/..%2Fsmall", "/public/%2e%2e/small", "/public/../small", "/public\\..\\small" })
        {
            var status = await RawGetStatusAsync(hostname, trick);
            Assert.True(status == 401 || status == 400, $"{trick} answered {status}");
        }
    }

    /// <summary>A request sent byte for byte as written (HttpClient would normalize the path first).</summary>
    private async Task<int> RawGetStatusAsync(string hostname, string target)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Stack.PublicPort);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(hostname);
        await tls.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {hostname}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(tls, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? "";
        return int.Parse(statusLine.Split(' ')[1]);
    }

    [Fact]
    public async Task A_wrong_client_secret_gets_a_login_page_that_says_which_setting_to_fix()
    {
        var hostname = await ServedHostnameAsync();
        await CreateAppAsync($"secret-{hostname}", [hostname], [new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } }]);
        await Eventually.Until(() => GetAsync(hostname, "/small"), r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10), "app enforced");
        Task<System.Net.Http.HttpResponseMessage> SetSecretAsync(string secret) => Stack.Api.PutAsJsonAsync("api/access/identity-provider", new
        {
            authHostname = AccessFixture.AuthHost, authority = fixture.Oidc.Issuer, clientId = "tunnel-access", clientSecret = secret,
            scopes = "openid email profile groups", groupClaim = "groups",
        });

        int Applied() => System.Text.RegularExpressions.Regex.Matches(Stack.Edge!.Output, "Applied config version").Count;
        var before = Applied();
        (await SetSecretAsync("not-the-secret")).EnsureSuccessStatusCode();
        try
        {
            await Eventually.Until(() => Task.FromResult(Applied()), n => n > before, TimeSpan.FromSeconds(10), "the edge applying the new secret");
            var page = await fixture.NewPageAsync();
            // The provider takes pushed authorization requests, so the secret is refused before anyone types a password.
            var failed = await page.GotoAsync(Stack.PublicUrl(hostname, "/whoami").AbsoluteUri);
            Assert.Equal(502, failed!.Status);
            var text = await page.InnerTextAsync("body");
            Assert.Contains("refused this edge's client id or secret", text);
            Assert.Contains("tunnel access idp set", text);
            Assert.DoesNotContain("not-the-secret", text);
        }
        finally
        {
            var broken = Applied();
            (await SetSecretAsync(fixture.ClientSecret)).EnsureSuccessStatusCode();
            await Eventually.Until(() => Task.FromResult(Applied()), n => n > broken, TimeSpan.FromSeconds(10), "the edge applying the right secret again");
        }
    }

    [Fact]
    public async Task A_person_logs_in_through_the_provider_and_the_origin_verifies_who_they_are()
    {
        var hostname = await ServedHostnameAsync();
        var other = await ServedHostnameAsync();
        var app = await CreateAppAsync($"team-{hostname}", [hostname], [
            new { name = "no contractors", action = "deny", include = new[] { new { group = "contractors" } } },
            new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } },
        ]);
        var otherApp = await CreateAppAsync($"other-{other}", [other], [new { name = "alice only", action = "allow", include = new[] { new { email = AccessFixture.Alice } } }]);
        await Eventually.Until(() => GetAsync(hostname, "/small"), r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10), "team app enforced");

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Stack.PublicUrl(hostname, "/whoami").AbsoluteUri);
        await fixture.LogInAtProviderAsync(page, AccessFixture.Alice);
        await page.WaitForURLAsync(Stack.PublicUrl(hostname, "/whoami").AbsoluteUri);
        var claims = JsonDocument.Parse(await page.InnerTextAsync("body")).RootElement;
        Assert.Equal(AccessFixture.Alice, claims.GetProperty("email").GetString());
        Assert.Equal(app.GetProperty("id").GetString(), claims.GetProperty("aud").GetString());
        var groups = claims.GetProperty("groups").EnumerateArray().Select(g => g.GetString()).ToList();
        Assert.Contains("staff", groups);
        Assert.Equal(groups.Distinct().Count(), groups.Count); // each group once, though both the ID token and userinfo name it

        // The session cookie is host-only, Secure, HttpOnly; the origin never sees it.
        var cookies = await page.Context.CookiesAsync();
        var session = cookies.Single(c => c.Name == SessionCookie(app));
        Assert.Equal(hostname, session.Domain);
        Assert.True(session.Secure && session.HttpOnly);
        await page.GotoAsync(Stack.PublicUrl(hostname, "/headers").AbsoluteUri);
        Assert.DoesNotContain("tunnel_access", await page.InnerTextAsync("body"));

        // Single sign-on: the second application needs no new login, only its own cookie.
        await page.GotoAsync(Stack.PublicUrl(other, "/whoami").AbsoluteUri);
        await page.WaitForURLAsync(Stack.PublicUrl(other, "/whoami").AbsoluteUri);
        Assert.Contains(AccessFixture.Alice, await page.InnerTextAsync("body"));

        // A token of one application is refused at another; a tampered one too.
        var replay = await GetAsync(other, "/small", ("Cookie", $"{SessionCookie(otherApp)}={session.Value}"));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        var tampered = session.Value[..^3] + (session.Value[^3] == 'A' ? "B" : "A") + session.Value[^2..];
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(hostname, "/small", ("Cookie", $"{SessionCookie(app)}={tampered}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(hostname, "/small", ("Cookie", $"{SessionCookie(app)}={session.Value}"))).StatusCode);

        // A policy change applies to the next request.
        var update = await Stack.Api.PutAsJsonAsync($"api/access/apps/{app.GetProperty("id").GetString()}", new
        {
            name = $"team-{hostname}", domains = new[] { hostname }, sessionMinutes = 60,
            policies = new object[] { new { name = "nobody", action = "deny", include = new[] { new { email = AccessFixture.Alice } } }, new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } } },
        });
        update.EnsureSuccessStatusCode();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.Until(() => GetAsync(hostname, "/small", ("Cookie", $"{SessionCookie(app)}={session.Value}")), r => r.StatusCode == HttpStatusCode.Forbidden,
            TimeSpan.FromSeconds(5), "the new deny policy");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"policy applied after {clock.Elapsed.TotalMilliseconds:0} ms");

        // Logging out drops the application's session.
        await page.GotoAsync(Stack.PublicUrl(other, "/.tunnel/logout").AbsoluteUri);
        Assert.DoesNotContain((await page.Context.CookiesAsync()), c => c.Name == SessionCookie(otherApp) && c.Domain == other);
    }

    /// <summary>Logs in through the browser and returns the application's session cookie.</summary>
    private async Task<string> BrowserSessionAsync(string hostname, string login)
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Stack.PublicUrl(hostname, "/small").AbsoluteUri);
        await fixture.LogInAtProviderAsync(page, login);
        await page.WaitForURLAsync(Stack.PublicUrl(hostname, "/small").AbsoluteUri);
        return (await page.Context.CookiesAsync()).Single(c => c.Name.StartsWith("__Host-tunnel_access_", StringComparison.Ordinal) && c.Domain == hostname).Value;
    }

    [Fact]
    public async Task Revoking_a_persons_sessions_ends_them_within_a_second_and_sessions_expire()
    {
        var hostname = await ServedHostnameAsync();
        await CreateAppAsync($"short-{hostname}", [hostname], [new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } }], sessionMinutes: 1);
        await Eventually.Until(() => GetAsync(hostname, "/small"), r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10), "app enforced");

        var revoked = await BrowserSessionAsync(hostname, AccessFixture.Alice);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(hostname, "/small", ("Tunnel-Access-Token", revoked))).StatusCode);
        await Task.Delay(1100); // session times have one-second resolution: the next login must start after the revocation
        var response = await Stack.Api.PostAsJsonAsync("api/access/sessions/revoke", new { email = AccessFixture.Alice });
        response.EnsureSuccessStatusCode();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.Until(() => GetAsync(hostname, "/small", ("Tunnel-Access-Token", revoked)), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(5), "the revoked session refused");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"revocation applied after {clock.Elapsed.TotalMilliseconds:0} ms");

        // A new login works again, and its session ends with the application's session duration (1 minute).
        await Task.Delay(1100);
        var fresh = await BrowserSessionAsync(hostname, AccessFixture.Alice);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(hostname, "/small", ("Tunnel-Access-Token", fresh))).StatusCode);
        await Eventually.Until(() => GetAsync(hostname, "/small", ("Tunnel-Access-Token", fresh)), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(75), "the session expired after a minute");
    }

    [Fact]
    public async Task Tcp_access_obeys_the_policies_with_a_service_token_or_a_browser_login()
    {
        await using var echo = new TcpEchoServer();
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var config = Stack.TempPath($"{name}.yml");
        await File.WriteAllTextAsync(config, $"ingress:\n  - service: tcp://127.0.0.1:{echo.Port}\n");
        Stack.StartConnector(token, "--config", config);
        await CreateAppAsync($"tcp-{hostname}", [hostname], [
            new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } },
            new { name = "robots", action = "service_auth", include = new[] { new { anyServiceToken = true } } },
        ]);
        var created = await (await Stack.Api.PostAsJsonAsync("api/access/service-tokens", new { name = "tcp" })).Content.ReadFromJsonAsync<JsonElement>();
        await Eventually.Until(() => GetAsync(hostname, "/"), r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10), "app enforced");

        string[] access = ["access", "tcp", "--hostname", $"{hostname}:{Stack.PublicPort}", "--edge-address", $"127.0.0.1:{Stack.PublicPort}", "--edge-ca", Stack.EdgeCa];
        var home = Stack.TempPath($"home-{name}");
        var env = new Dictionary<string, string> { ["TUNNEL_HOME"] = home };

        // With a service token.
        var robotPort = Ports.Free();
        var robot = Stack.Track(TestProcess.StartDotnet("access", Binaries.Connector, [.. access, "--url", $"127.0.0.1:{robotPort}",
            "--service-token-id", created.GetProperty("info").GetProperty("clientId").GetString()!,
            "--service-token-secret", created.GetProperty("clientSecret").GetString()!], env));
        await Eventually.Until(() => Task.FromResult(robot.Output), o => o.Contains("Listening on"), TimeSpan.FromSeconds(20), "access listener up");
        // Until the edge has the new token (the config push), connections are refused and closed.
        await Eventually.Until(async () =>
        {
            await AssertEchoesAsync(robotPort);
            return true;
        }, ok => ok, TimeSpan.FromSeconds(10), $"an echo with the service token; client said: {robot.Output}");

        // Without one: the client prints a login URL, a person logs in in a browser, the client carries on.
        var personPort = Ports.Free();
        var person = Stack.Track(TestProcess.StartDotnet("access", Binaries.Connector, [.. access, "--url", $"127.0.0.1:{personPort}"], env));
        await Eventually.Until(() => Task.FromResult(person.Output), o => o.Contains("Listening on"), TimeSpan.FromSeconds(20), "access listener up");
        using var pending = new TcpClient();
        await pending.ConnectAsync(IPAddress.Loopback, personPort);
        var output = await Eventually.Until(() => Task.FromResult(person.Output), o => o.Contains("/.tunnel/login"), TimeSpan.FromSeconds(20), "a login URL printed");
        var loginUrl = output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("https://", StringComparison.Ordinal) && l.Contains("/.tunnel/login"));
        // The client's listener answers only the login it started: a callback with another state is turned away.
        var listener = new Uri(System.Web.HttpUtility.ParseQueryString(new Uri(loginUrl).Query)["return"]!);
        using (var stray = new HttpClient())
        {
            var response = await stray.GetAsync(new Uri(listener, "/callback?code=stolen&state=not-the-clients"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("Not the login this command started", await response.Content.ReadAsStringAsync());
        }

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(loginUrl);
        await fixture.LogInAtProviderAsync(page, AccessFixture.Alice);
        await page.ClickAsync("#approve"); // the person confirms that the command-line client may sign in
        await page.Locator("text=Logged in").WaitForAsync();
        await AssertEchoesAsync(pending);
        Assert.True(File.Exists(Path.Combine(home, "access", hostname + ".token")));
        await AssertEchoesAsync(personPort); // the cached login serves the next connection without asking again
        Assert.Single(person.Output.Split('\n'), l => l.Contains("/.tunnel/login"));
    }

    [Fact]
    public async Task The_cli_manages_access_applications_service_tokens_and_sessions()
    {
        var name = $"cli-{Guid.NewGuid():N}"[..12];
        var file = Stack.TempPath($"{name}.json");
        await File.WriteAllTextAsync(file, $$"""
            { "name": "{{name}}", "domains": ["{{name}}.localhost"], "sessionMinutes": 30,
              "policies": [ { "name": "staff", "action": "allow", "include": [ { "emailDomain": "example.com" } ] } ] }
            """);
        var created = await Stack.CliAsync("access", "apps", "apply", file);
        Assert.True(created.ExitCode == 0, created.Output);
        Assert.Contains("Created Access application", created.Output);
        var updated = await Stack.CliAsync("access", "apps", "apply", file);
        Assert.Contains("Updated Access application", updated.Output);
        var list = await Stack.CliAsync("access", "apps", "list", "-o", "json");
        Assert.Contains(JsonDocument.Parse(list.Output).RootElement.EnumerateArray(), a => a.GetProperty("name").GetString() == name);

        await File.WriteAllTextAsync(file, $$"""{ "name": "{{name}}", "domains": ["{{name}}.localhost"], "policies": [] }""");
        var invalid = await Stack.CliAsync("access", "apps", "apply", file);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("at least one policy", invalid.Output);

        var token = await Stack.CliAsync("access", "service-tokens", "create", $"robot-{name}");
        Assert.True(token.ExitCode == 0, token.Output);
        Assert.Contains("Tunnel-Access-Client-Secret:", token.Output);
        Assert.Equal(0, (await Stack.CliAsync("access", "sessions", "revoke", $"someone@{name}.example")).ExitCode);
        var badIdp = await Stack.CliAsync("access", "idp", "set", "--auth-hostname", "*.wild.example", "--authority", "https://x", "--client-id", "c", "--client-secret", "s");
        Assert.Equal(1, badIdp.ExitCode);
        Assert.Contains("wildcard", badIdp.Output);
    }

    private static async Task AssertEchoesAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await AssertEchoesAsync(client);
    }

    private static async Task AssertEchoesAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var sent = Encoding.ASCII.GetBytes($"hello {Guid.NewGuid():N}");
        await stream.WriteAsync(sent);
        var received = new byte[sent.Length];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await stream.ReadExactlyAsync(received, timeout.Token);
        Assert.Equal(sent, received);
    }

    [Fact]
    public async Task Someone_no_policy_allows_gets_a_403_and_an_api_client_a_401()
    {
        var hostname = await ServedHostnameAsync();
        await CreateAppAsync($"staff-{hostname}", [hostname], [new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } }]);
        await Eventually.Until(() => GetAsync(hostname, "/small"), r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10), "app enforced");

        var page = await fixture.NewPageAsync();
        var response = await page.GotoAsync(Stack.PublicUrl(hostname, "/small").AbsoluteUri);
        await fixture.LogInAtProviderAsync(page, AccessFixture.Mallory);
        await page.WaitForURLAsync(url => url.StartsWith(Stack.PublicUrl(hostname, "/").AbsoluteUri, StringComparison.Ordinal));
        Assert.Contains("403", await page.TitleAsync());
        Assert.Contains("no allow policy matched", await page.InnerTextAsync("body"));
        _ = response;
    }

    [Fact]
    public async Task The_login_refuses_open_redirects_and_forged_callbacks()
    {
        var hostname = await ServedHostnameAsync();
        var app = await CreateAppAsync($"redir-{hostname}", [hostname], [new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } }]);
        var id = app.GetProperty("id").GetString();
        await Eventually.Until(() => GetAsync(hostname, "/small"), r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10), "app enforced");

        foreach (var target in new[] { "https://evil.example/", "http://" + hostname + "/", "//evil.example/", "javascript:alert(1)" })
        {
            var login = await GetAsync(AccessFixture.AuthHost, $"/.tunnel/login?app={id}&return={Uri.EscapeDataString(target)}");
            Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        }

        // A callback with a state the edge never issued (login CSRF) is refused with a page, not followed.
        var forged = await GetAsync(AccessFixture.AuthHost, "/.tunnel/callback-oidc?code=stolen&state=forged");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("Login failed", await forged.Content.ReadAsStringAsync());

        // A hand-off token that is not one (or of another application) sets no session.
        var callback = await GetAsync(hostname, "/.tunnel/callback?token=abc.def.ghi&return=/small");
        Assert.Equal(HttpStatusCode.BadRequest, callback.StatusCode);
        Assert.False(callback.Headers.Contains("Set-Cookie"));

        var jwks = await (await GetAsync(AccessFixture.AuthHost, "/.tunnel/certs")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("EC", jwks.GetProperty("keys")[0].GetProperty("kty").GetString());
    }
}
