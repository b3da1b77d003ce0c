using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;
using Tunnel.Shared.Security;

namespace Tunnel.EndToEnd.Tests.Access;

/// <summary>
/// Edges of one control plane behind one public address accept each other's login state: the data-protection keys
/// that protect it come from the control plane, the same on every edge.
/// </summary>
public sealed class SharedLoginTests
{
    [Fact]
    public async Task A_login_started_at_one_edge_finishes_at_another_and_its_session_works_at_a_third()
    {
        await using var front = new FrontDoor();
        var secret = SecretHash.NewSecret();
        await using var oidc = await DevOidcProvider.StartAsync(
            [new { client_id = "tunnel-access", client_secret = secret, redirect_uris = new[] { $"https://{AccessFixture.AuthHost}:{front.Port}/.tunnel/callback-oidc" } }],
            new Dictionary<string, DevOidcProvider.User> { [AccessFixture.Alice] = new(AccessFixture.Password, ["staff"]) });
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, s => s.OriginArgs.AddRange([
            $"--Access:JwksUrl=https://{AccessFixture.AuthHost}:{s.PublicPort}/.tunnel/certs",
            $"--Access:Issuer=https://{AccessFixture.AuthHost}",
            $"--Access:CaPath={s.EdgeCa}",
        ]));
        var idp = await stack.Api.PutAsJsonAsync("api/access/identity-provider", new
        {
            authHostname = AccessFixture.AuthHost, authority = oidc.Issuer, clientId = "tunnel-access", clientSecret = secret,
            scopes = "openid email profile groups", groupClaim = "groups",
        });
        idp.EnsureSuccessStatusCode();
        EdgeNode[] edges = [stack.FirstEdge, await stack.AddEdgeAsync("edge-b"), await stack.AddEdgeAsync("edge-c")];
        var (a, b, c) = (edges[0], edges[1], edges[2]);

        // Two applications of one tunnel, served at every edge: its one connector is on A, and B and C serve it
        // through A (peering).
        var (name, hostname, token) = await stack.NewRoutedTunnelAsync();
        var other = "o" + hostname;
        await stack.RouteAsync(name, other);
        stack.StartConnector(token, "--edge", a.ConnectorUrl);

        foreach (var edge in edges)
        {
            foreach (var host in new[] { hostname, other })
            {
                await Eventually.Until(() => stack.Public.GetAsync(edge.PublicUrl(host, "/small")), r => r.StatusCode == HttpStatusCode.OK,
                    TimeSpan.FromSeconds(30), $"{host} served at {edge.Id}");
            }
        }

        var ids = new Dictionary<string, string>();
        foreach (var host in new[] { hostname, other })
        {
            var created = await stack.Api.PostAsJsonAsync("api/access/apps", new
            {
                name = $"team-{host}", domains = new[] { host }, sessionMinutes = 60,
                policies = new[] { new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } } },
            });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            ids[host] = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            foreach (var edge in edges)
            {
                await Eventually.Until(() => stack.Public.GetAsync(edge.PublicUrl(host, "/small")), r => r.StatusCode == HttpStatusCode.Unauthorized,
                    TimeSpan.FromSeconds(10), $"{host} gated at {edge.Id}");
            }
        }

        var (playwright, browser) = await Browser.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(20_000);
            var providerRequests = 0;
            page.Request += (_, request) =>
            {
                if (request.Url.StartsWith(oidc.Issuer, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref providerRequests);
                }
            };

            // Edge A starts the login (its OIDC state and nonce cookies), and the provider's redirect lands on edge B.
            front.RouteTo(a.PublicPort);
            var app = $"https://{hostname}:{front.Port}/whoami";
            await page.GotoAsync(app);
            await page.WaitForURLAsync(url => url.StartsWith(oidc.Issuer, StringComparison.Ordinal));
            front.RouteTo(b.PublicPort);
            await oidc.LogInAsync(page, AccessFixture.Alice, AccessFixture.Password);
            await ArriveAsync(page, app, b);
            Assert.Equal(AccessFixture.Alice, JsonDocument.Parse(await page.InnerTextAsync("body")).RootElement.GetProperty("email").GetString());
            Assert.True(front.ConnectionsTo(a.PublicPort) > 0 && front.ConnectionsTo(b.PublicPort) > 0);

            // Edge C reads the auth hostname's session that B issued: single sign-on, without the provider.
            front.RouteTo(c.PublicPort);
            var seen = providerRequests;
            var otherApp = $"https://{other}:{front.Port}/whoami";
            await page.GotoAsync(otherApp);
            await ArriveAsync(page, otherApp, c);
            Assert.Equal(AccessFixture.Alice, JsonDocument.Parse(await page.InnerTextAsync("body")).RootElement.GetProperty("email").GetString());
            Assert.Equal(seen, providerRequests);
            Assert.True(front.ConnectionsTo(c.PublicPort) > 0);

            // A policy change reaches all three edges: the same session is refused at each once staff must be elsewhere.
            var update = await stack.Api.PutAsJsonAsync($"api/access/apps/{ids[hostname]}", new
            {
                name = $"team-{hostname}", domains = new[] { hostname }, sessionMinutes = 60,
                policies = new[] { new { name = "staff", action = "allow", include = new[] { new { emailDomain = "elsewhere.example" } } } },
            });
            update.EnsureSuccessStatusCode();
            foreach (var edge in edges)
            {
                front.RouteTo(edge.PublicPort);
                await Eventually.Until(async () => (await page.GotoAsync(app))?.Status ?? 0, status => status == 403,
                    TimeSpan.FromSeconds(15), $"the new policy refusing alice at {edge.Id}");
            }

            // Fresh edges waited for their keys quietly: no data-protection error before the first snapshot.
            Assert.All(edges, e => Assert.DoesNotContain("fail: Microsoft.AspNetCore.DataProtection", e.Process!.Output));
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    /// <summary>Waits for the page at the URL; otherwise fails with what the browser shows and the edge's warnings.</summary>
    private static async Task ArriveAsync(IPage page, string url, EdgeNode edge)
    {
        try
        {
            await page.WaitForURLAsync(url);
        }
        catch (TimeoutException)
        {
            var warnings = string.Join('\n', edge.Process!.Output.Split('\n').Where(l => l.Contains("warn:") || l.Contains("fail:")).TakeLast(5));
            throw new TimeoutException($"the browser never reached {url}: it shows {page.Url}\n{await page.InnerTextAsync("body")}\n{edge.Id} warnings:\n{warnings}");
        }
    }
}
