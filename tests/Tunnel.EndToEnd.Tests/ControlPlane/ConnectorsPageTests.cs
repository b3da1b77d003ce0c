using System.Net;
using System.Net.Http.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>A tunnel's page: its replicas live (appearing, draining, gone) and its ingress rules edited with the API's validation.</summary>
public sealed class ConnectorsPageTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task A_second_replica_appears_with_its_edge_and_version_drains_when_stopped_and_then_goes()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var first = Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
        var page = await fixture.SignInAsync(DashboardFixture.Viewer);
        await page.GotoAsync(fixture.DashboardUrl($"/tunnels/{name}"));
        await page.Locator("#replicas tr").First.WaitForAsync();
        Assert.Equal(1, await page.Locator("#replicas tr").CountAsync());

        var second = Stack.StartConnector(token);
        await page.Locator("#replicas tr").Nth(1).WaitForAsync(); // no reload: the page polls
        foreach (var row in await page.Locator("#replicas tr").AllInnerTextsAsync())
        {
            Assert.Contains("#0", row);                 // its connections, by edge and index
            Assert.Contains(Stack.FirstEdge.Id, row);
            Assert.Contains("serving", row);
            Assert.Matches(@"\d+\.\d+", row);            // the connector's version
            Assert.Contains("127.0.0.1", row);          // the address it connects from
        }

        // Requests in flight on both replicas; the second is asked to stop: it drains while they finish.
        var held = Enumerable.Range(0, 8).Select(_ => Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/hold/drain"))).ToList();
        await Task.Delay(500); // the requests reach the origin (no signal to wait on from here)
        var stopping = second.StopAsync(TimeSpan.FromSeconds(60));
        await page.Locator("#replicas tr").Filter(new() { HasTextString = "draining" }).WaitForAsync();
        Assert.Equal(1, await page.Locator("#replicas tr").Filter(new() { HasTextString = "serving" }).CountAsync());
        Assert.Equal("4", await page.InnerTextAsync("#connection-count")); // draining connections do not count as serving

        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.PostAsync(Stack.PublicUrl(hostname, "/release/drain"), null)).StatusCode);
        Assert.All(await Task.WhenAll(held), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode)); // nothing lost
        await stopping;
        await page.Locator("#replicas tr").Nth(1).WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        Assert.DoesNotContain("draining", await page.InnerTextAsync("#replicas"));
        await first.KillAsync();
    }

    [Fact]
    public async Task An_admin_edits_the_ingress_rules_and_a_bad_rule_is_refused_with_the_validators_words()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var connector = Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
        var page = await fixture.SignInAsync(DashboardFixture.Admin);
        await page.GotoAsync(fixture.DashboardUrl($"/tunnels/{name}"));

        await page.FillAsync("#IngressRules", "[ { \"hostname\": \"x.example.com\", \"service\": \"http://localhost:1\" } ]");
        await page.ClickAsync("#save-ingress");
        Assert.Contains("the last rule must match all URLs", await page.InnerTextAsync("#ingress-error")); // the API's validator, next to the field
        await page.FillAsync("#IngressRules", "[ { \"service\": \"http_status:404\", \"servce\": \"typo\" } ]");
        await page.ClickAsync("#save-ingress");
        Assert.Contains("servce", await page.InnerTextAsync("#ingress-error")); // strict: a misspelt key is named

        await page.FillAsync("#IngressRules", "[ { \"path\": \"/teapot\", \"service\": \"http_status:418\" }, { \"service\": \"http_status:404\" } ]");
        await page.ClickAsync("#save-ingress");
        Assert.Contains("Saved 2 rules", await page.InnerTextAsync("[role=status]"));
        Assert.Contains("http_status:418", await page.InnerTextAsync("#ingress"));
        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/teapot")), r => (int)r.StatusCode == 418,
            TimeSpan.FromSeconds(15), "the edge routing by the rules set in the dashboard");

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.ClickAsync("#ingress-to-connectors");
        Assert.Contains("handed back to the connectors", await page.InnerTextAsync("[role=status]"));
        var ingress = await Stack.Api.GetFromJsonAsync<System.Text.Json.JsonElement>($"api/tunnels/{name}/ingress");
        Assert.False(ingress.GetProperty("remotelyManaged").GetBoolean());
        await connector.KillAsync();
    }
}
