using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>
/// A person who hits an edge error page can follow its "What this means" link and read the code's section, served by
/// the same edge on the same hostname: for unknown hostnames, offline tunnels, and hostnames behind Access alike.
/// </summary>
public sealed partial class TroubleshootingLinkTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task An_unknown_hostname_links_to_the_guide_the_edge_serves_on_that_hostname()
    {
        await AssertLinkLeadsToSectionAsync($"unknown-{Guid.NewGuid():N}"[..20] + ".localhost", HttpStatusCode.NotFound, "unknown_host");
    }

    [Fact]
    public async Task A_tunnel_with_no_connector_links_to_the_guide_the_edge_serves_on_that_hostname()
    {
        var (_, hostname, _) = await Stack.NewRoutedTunnelAsync();
        await AssertLinkLeadsToSectionAsync(hostname, HttpStatusCode.ServiceUnavailable, "no_connector");
    }

    [Fact]
    public async Task The_guide_needs_no_login_on_a_hostname_protected_by_an_Access_application()
    {
        var (_, hostname, _) = await Stack.NewRoutedTunnelAsync();
        var app = await Stack.Api.PostAsJsonAsync("api/access/apps", new
        {
            name = $"guide-{hostname}", domains = new[] { hostname }, sessionMinutes = 60,
            policies = new[] { new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } } },
        });
        Assert.True(app.StatusCode == HttpStatusCode.Created, await app.Content.ReadAsStringAsync());
        await Eventually.Until(() => GetHtmlAsync(Stack.PublicUrl(hostname)), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the edge enforcing the new application");

        // This stack has no identity provider, so the page says a login is needed and cannot start: still 401, still linked.
        await AssertLinkLeadsToSectionAsync(hostname, HttpStatusCode.Unauthorized, "access_no_provider");
        using var anonymous = await GetHtmlAsync(Stack.PublicUrl(hostname, "/.tunnel/troubleshooting"));
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        using var stillProtected = await GetHtmlAsync(Stack.PublicUrl(hostname, "/small"));
        Assert.Equal(HttpStatusCode.Unauthorized, stillProtected.StatusCode);
    }

    private async Task AssertLinkLeadsToSectionAsync(string hostname, HttpStatusCode status, string code)
    {
        var pageUrl = Stack.PublicUrl(hostname);
        using var page = await GetHtmlAsync(pageUrl);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == status, $"{pageUrl} answered {page.StatusCode}: {html}");
        Assert.Equal(code, page.Headers.GetValues("X-Tunnel-Error").Single());
        var href = HelpLink().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new Xunit.Sdk.XunitException($"no help link in:\n{html}");
        Assert.Equal($"/.tunnel/troubleshooting#{code}", href);

        // Followed as a browser does: relative to the page, the fragment never sent.
        var guideUrl = new Uri(pageUrl, href);
        Assert.Equal(hostname, guideUrl.Host);
        using var guide = await GetHtmlAsync(guideUrl);
        var guideHtml = await guide.Content.ReadAsStringAsync();
        Assert.True(guide.StatusCode == HttpStatusCode.OK, $"{guideUrl} answered {guide.StatusCode}: {guideHtml}");
        Assert.Equal("text/html; charset=utf-8", guide.Content.Headers.ContentType?.ToString());
        Assert.Equal("default-src 'none'; style-src 'unsafe-inline'", guide.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", guide.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains($"id=\"{code}\"", guideHtml);

        // A terminal gets the same section spelled out absolute.
        using var plain = await Stack.Public.GetAsync(pageUrl);
        var text = await plain.Content.ReadAsStringAsync();
        Assert.Contains($"What this means: {Stack.PublicUrl(hostname, "/.tunnel/troubleshooting")}#{code}\n", text);
    }

    private Task<HttpResponseMessage> GetHtmlAsync(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/html");
        return Stack.Public.SendAsync(request);
    }

    [GeneratedRegex("What this means: <a href=\"([^\"]*)\"")]
    private static partial Regex HelpLink();
}
