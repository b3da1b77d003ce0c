using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Access;

/// <summary>
/// The dashboard's policy tester against the edge: for each case the tester's verdict is what the edge does to the
/// same request, with real logins at the provider, a real service token and the real client address (loopback).
/// </summary>
public sealed class PolicyTesterTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private async Task<string> ServedHostnameAsync()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
        return hostname;
    }

    private async Task CreateAppAsync(string name, string[] domains, object[] policies)
    {
        var response = await Stack.Api.PostAsJsonAsync("api/access/apps", new { name, domains, sessionMinutes = 60, policies });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> TestAsync(string url, string? email = null, string? groups = null, string? serviceToken = null, string clientIp = "127.0.0.1")
    {
        var query = $"api/access/test?url={Uri.EscapeDataString(url)}&clientIp={clientIp}"
            + (email is null ? "" : $"&email={Uri.EscapeDataString(email)}") + (groups is null ? "" : $"&groups={groups}")
            + (serviceToken is null ? "" : $"&serviceToken={Uri.EscapeDataString(serviceToken)}");
        var response = await Stack.Api.GetAsync(query);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static int StatusFor(string result) => result switch
    {
        "allow" or "bypass" or "public" => 200,
        "deny" => 403,
        "login_required" => 401,
        _ => throw new ArgumentException(result),
    };

    /// <summary>A person's status for a URL at the edge: logged in through the provider in this browser context.</summary>
    private static async Task<int> BrowserStatusAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        return await page.EvaluateAsync<int>("async u => (await fetch(u, { headers: { accept: 'text/html' } })).status", url);
    }

    [Fact]
    public async Task The_tester_and_the_edge_agree_on_every_case()
    {
        var team = await ServedHostnameAsync();
        var office = await ServedHostnameAsync();
        await CreateAppAsync($"team-{team}", [team], [
            new { name = "machines", action = "service_auth", include = new[] { new { anyServiceToken = true } } },
            new { name = "staff", action = "allow", include = new[] { new { everyone = true } }, require = new[] { new { emailDomain = "example.com" } } },
        ]);
        await CreateAppAsync($"office-{office}", [office], [
            new { name = "no contractors", action = "deny", include = new[] { new { group = "contractors" } } },
            new { name = "everyone but alice", action = "allow", include = new[] { new { everyone = true } }, exclude = new[] { new { email = AccessFixture.Alice } } },
        ]);
        await CreateAppAsync($"office-health-{office}", [$"{office}/health"], [
            new { name = "monitoring from loopback", action = "bypass", include = new[] { new { ip = "127.0.0.0/8" } } },
        ]);
        var created = await (await Stack.Api.PostAsJsonAsync("api/access/service-tokens", new { name = $"probe-{team}" })).Content.ReadFromJsonAsync<JsonElement>();
        var clientId = created.GetProperty("info").GetProperty("clientId").GetString()!;
        var secret = created.GetProperty("clientSecret").GetString()!;
        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(office, "/small")), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the edge enforcing the new applications");

        // Anonymous, a bypass path by client address, a service token: no browser needed.
        var anonymous = await TestAsync(Stack.PublicUrl(team, "/small").AbsoluteUri);
        Assert.Equal("login_required", anonymous.GetProperty("result").GetString());
        Assert.Equal(401, (int)(await Stack.Public.GetAsync(Stack.PublicUrl(team, "/small"))).StatusCode);

        var health = await TestAsync(Stack.PublicUrl(office, "/health").AbsoluteUri);
        Assert.Equal(("bypass", $"office-health-{office}"), (health.GetProperty("result").GetString(), health.GetProperty("application").GetString()));
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await Stack.Public.GetAsync(Stack.PublicUrl(office, "/health"))).StatusCode); // the origin may 404 it
        var elsewhere = await TestAsync(Stack.PublicUrl(office, "/health").AbsoluteUri, clientIp: "203.0.113.9");
        Assert.Equal("login_required", elsewhere.GetProperty("result").GetString()); // the ip rule decides

        var probe = await TestAsync(Stack.PublicUrl(team, "/small").AbsoluteUri, serviceToken: $"probe-{team}");
        Assert.Equal(("allow", "machines"), (probe.GetProperty("result").GetString(), probe.GetProperty("explanation").GetProperty("decidingPolicy").GetString()));
        var both = await TestAsync(Stack.PublicUrl(office, "/small").AbsoluteUri, AccessFixture.Alice, "staff", serviceToken: clientId);
        // Judged as the token alone, and `everyone` takes in valid service tokens: the edge agrees, below.
        Assert.Equal(("allow", "everyone but alice"), (both.GetProperty("result").GetString(), both.GetProperty("explanation").GetProperty("decidingPolicy").GetString()));
        Assert.Contains("judged as the token alone", both.GetProperty("notes")[0].GetString());
        var officeByToken = new HttpRequestMessage(HttpMethod.Get, Stack.PublicUrl(office, "/small"));
        officeByToken.Headers.Add("Tunnel-Access-Client-Id", clientId);
        officeByToken.Headers.Add("Tunnel-Access-Client-Secret", secret);
        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.SendAsync(officeByToken)).StatusCode);
        var tokenRequest = new HttpRequestMessage(HttpMethod.Get, Stack.PublicUrl(team, "/small"));
        tokenRequest.Headers.Add("Tunnel-Access-Client-Id", clientId);
        tokenRequest.Headers.Add("Tunnel-Access-Client-Secret", secret);
        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.SendAsync(tokenRequest)).StatusCode);

        // People, logged in at the real provider: Alice (example.com, staff) and Mallory (other.org, contractors).
        var cases = new (string Who, string Groups, string Host, string Result, string Policy, string Reason)[]
        {
            (AccessFixture.Alice, "staff", team, "allow", "staff", "included by everyone, every require met"),
            (AccessFixture.Mallory, "contractors", team, "deny", "staff", "require emailDomain example.com not met"),
            (AccessFixture.Alice, "staff", office, "deny", "everyone but alice", $"excluded by email {AccessFixture.Alice}"),
            (AccessFixture.Mallory, "contractors", office, "deny", "no contractors", "included by group contractors"),
        };
        var pages = new Dictionary<string, IPage>();
        foreach (var (who, groups, host, result, policy, reason) in cases)
        {
            var answer = await TestAsync(Stack.PublicUrl(host, "/small").AbsoluteUri, who, groups);
            Assert.Equal(result, answer.GetProperty("result").GetString());
            var step = answer.GetProperty("explanation").GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("policy").GetString() == policy);
            Assert.Equal(reason, step.GetProperty("reason").GetString());

            if (!pages.TryGetValue(who, out var page))
            {
                pages[who] = page = await fixture.NewPageAsync();
                await page.GotoAsync(Stack.PublicUrl(host, "/small").AbsoluteUri);
                await fixture.LogInAtProviderAsync(page, who);
                await page.WaitForURLAsync(Stack.PublicUrl(host, "/small").AbsoluteUri);
            }

            Assert.Equal(StatusFor(result), await BrowserStatusAsync(page, Stack.PublicUrl(host, "/small").AbsoluteUri));
        }
    }

    [Fact]
    public async Task A_viewer_uses_the_tester_page_and_bad_input_is_named_next_to_the_field()
    {
        var hostname = await ServedHostnameAsync();
        await CreateAppAsync($"viewers-{hostname}", [hostname], [
            new { name = "no contractors", action = "deny", include = new[] { new { group = "contractors" } } },
            new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } },
        ]);
        var viewer = await (await Stack.Api.PostAsJsonAsync("api/tokens", new { name = $"viewer-{Guid.NewGuid():N}"[..20], role = "viewer" })).Content.ReadFromJsonAsync<JsonElement>();

        var page = await fixture.NewPageAsync();
        await DashboardSession.SignInAsync(page, Stack, viewer.GetProperty("token").GetString()!);
        await page.ClickAsync("#nav >> text=Policy tester");
        await page.FillAsync("#Url", Stack.PublicUrl(hostname, "/reports").AbsoluteUri);
        await page.FillAsync("#Email", "carl@example.com");
        await page.FillAsync("#Groups", "staff, contractors");
        await page.ClickAsync("#run-test");

        Assert.Equal("deny", await page.InnerTextAsync("#result-code"));
        Assert.Equal($"viewers-{hostname}", await page.InnerTextAsync("#application"));
        Assert.Contains("(decided)", await page.InnerTextAsync("tr[data-policy='no contractors']"));
        Assert.Contains("included by group contractors", await page.InnerTextAsync("tr[data-policy='no contractors']"));
        Assert.Contains("not evaluated", await page.InnerTextAsync("tr[data-policy='staff']"));

        // The query is the whole question: the link can be shared.
        Assert.Contains("Email=carl%40example.com", page.Url);

        await page.FillAsync("#Url", Stack.PublicUrl(hostname, "/a/%2e%2e%2f..%2fb").AbsoluteUri);
        await page.ClickAsync("#run-test");
        Assert.Contains("the edge refuses this path", await page.InnerTextAsync("#url-error"));
        Assert.Equal("url-error", await page.GetAttributeAsync("#Url", "aria-describedby"));
    }

    [Fact]
    public async Task A_refused_person_sees_a_request_id_and_no_policy_and_the_dashboard_shows_the_edges_decision()
    {
        var hostname = await ServedHostnameAsync();
        await CreateAppAsync($"payroll-{hostname}", [hostname], [
            new { name = "keep out the contractors", action = "deny", include = new[] { new { group = "contractors" } } },
            new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } },
        ]);
        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small")), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the edge enforcing the application");

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(Stack.PublicUrl(hostname, "/small").AbsoluteUri);
        await fixture.LogInAtProviderAsync(page, AccessFixture.Mallory);
        await page.WaitForURLAsync(Stack.PublicUrl(hostname, "/small").AbsoluteUri);
        var refusal = await page.InnerTextAsync("body");
        Assert.Contains("a deny policy matched", refusal);
        Assert.Contains("access_denied", await page.ContentAsync()); // the code, in the page's help link
        Assert.DoesNotContain("keep out", refusal);                   // never the policy itself
        Assert.DoesNotContain("contractors", refusal);
        var requestId = Regex.Match(refusal, @"Request id (\S+):").Groups[1].Value;
        Assert.NotEmpty(requestId);

        // The edge reports the refusal within seconds; the API and the dashboard show its decision whole.
        var found = await Eventually.Until(() => Stack.Api.GetAsync($"api/access/decisions/{Uri.EscapeDataString(requestId)}"),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the refusal reaching the control plane");
        var decision = (await found.Content.ReadFromJsonAsync<JsonElement>())[0];
        Assert.Equal((AccessFixture.Mallory, $"payroll-{hostname}", "access_denied", "/small"),
            (decision.GetProperty("email").GetString(), decision.GetProperty("application").GetString(), decision.GetProperty("reasonCode").GetString(), decision.GetProperty("path").GetString()));
        Assert.Contains("contractors", decision.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal("keep out the contractors", decision.GetProperty("explanation").GetProperty("decidingPolicy").GetString());
        Assert.Equal("Deny", decision.GetProperty("explanation").GetProperty("decision").GetString());

        var viewerToken = (await (await Stack.Api.PostAsJsonAsync("api/tokens", new { name = $"v-{Guid.NewGuid():N}"[..20], role = "viewer" })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("token").GetString();
        Assert.Equal(HttpStatusCode.Forbidden, (await Stack.ApiAs(viewerToken).GetAsync($"api/access/decisions/{Uri.EscapeDataString(requestId)}")).StatusCode);

        var admin = await fixture.NewPageAsync();
        await DashboardSession.SignInAsync(admin, Stack, Stack.AdminKey);
        await admin.GotoAsync(new Uri(Stack.Api.BaseAddress!, "access/test").AbsoluteUri);
        await admin.FillAsync("#RequestId", requestId);
        await admin.ClickAsync("#run-lookup");
        var shown = await admin.InnerTextAsync($".decision[data-request='{requestId}']");
        Assert.Contains(AccessFixture.Mallory, shown);
        Assert.Contains("included by group contractors", await admin.InnerTextAsync("tr[data-policy='keep out the contractors']"));
        Assert.Contains("(decided)", await admin.InnerTextAsync("tr[data-policy='keep out the contractors']"));

        // An id that is not one: said so, next to the field.
        await admin.FillAsync("#RequestId", "0HNOTAREQUEST:00000001");
        await admin.ClickAsync("#run-lookup");
        Assert.Contains("no refused request has id", await admin.InnerTextAsync("#lookup-error"));
        Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.GetAsync("api/access/decisions/nope")).StatusCode);
    }

    [Fact]
    public async Task A_refused_service_token_learns_the_request_id_and_nothing_of_the_policy_in_the_body_or_the_headers()
    {
        var hostname = await ServedHostnameAsync();
        await CreateAppAsync($"vault-{hostname}", [hostname], [
            new { name = "secret-rule-machines-out", action = "deny", include = new[] { new { anyServiceToken = true } } },
            new { name = "machines", action = "service_auth", include = new[] { new { anyServiceToken = true } } },
        ]);
        var created = await (await Stack.Api.PostAsJsonAsync("api/access/service-tokens", new { name = $"probe2-{hostname}" })).Content.ReadFromJsonAsync<JsonElement>();
        var request = () =>
        {
            var r = new HttpRequestMessage(HttpMethod.Get, Stack.PublicUrl(hostname, "/small"));
            r.Headers.Add("Tunnel-Access-Client-Id", created.GetProperty("info").GetProperty("clientId").GetString());
            r.Headers.Add("Tunnel-Access-Client-Secret", created.GetProperty("clientSecret").GetString());
            return Stack.Public.SendAsync(r);
        };

        // service_auth admits the token (checked before deny, as Cloudflare Access does): the tester says so, and the edge.
        var answer = await TestAsync(Stack.PublicUrl(hostname, "/small").AbsoluteUri, serviceToken: created.GetProperty("info").GetProperty("clientId").GetString());
        Assert.Equal(("allow", "machines"), (answer.GetProperty("result").GetString(), answer.GetProperty("explanation").GetProperty("decidingPolicy").GetString()));
        await Eventually.Until(request, r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the token admitted");

        // Without service_auth the deny decides: a 403 that names no policy anywhere the client can read.
        var update = await Stack.Api.GetFromJsonAsync<JsonElement>("api/access/apps");
        var id = update.EnumerateArray().Single(a => a.GetProperty("name").GetString() == $"vault-{hostname}").GetProperty("id").GetString();
        (await Stack.Api.PutAsJsonAsync($"api/access/apps/{id}", new
        {
            name = $"vault-{hostname}", domains = new[] { hostname }, sessionMinutes = 60,
            policies = new object[] { new { name = "secret-rule-machines-out", action = "deny", include = new[] { new { anyServiceToken = true } } } },
        })).EnsureSuccessStatusCode();
        var refused = await Eventually.Until(request, r => r.StatusCode == HttpStatusCode.Forbidden, TimeSpan.FromSeconds(10), "the deny applied");
        var everything = refused.Headers.ToString() + refused.Content.Headers + await refused.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret-rule", everything);
        Assert.DoesNotContain("anyServiceToken", everything);
        Assert.Equal("access_denied", refused.Headers.GetValues("X-Tunnel-Error").Single());
        Assert.Contains("a deny policy matched", refused.Headers.GetValues("X-Tunnel-Error-Detail").Single());
        Assert.Matches(@"Request id \S+:", everything);
    }
}
