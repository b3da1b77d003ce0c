using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>
/// Remote ingress takes effect when connectors accept it: a version a connector cannot use (a caPool file missing on
/// its host) is refused with the reason, the edge keeps routing by what the connector serves, and the CLI, the API
/// and `tunnel info` say so.
/// </summary>
public sealed class IngressRolloutTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private string Origin => $"http://127.0.0.1:{Stack.OriginPort}";

    private async Task<string> ConfigAsync(string name, string yaml)
    {
        var path = Stack.TempPath($"{name}-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(path, yaml);
        return path;
    }

    private static string Unusable(string hostname) => $"""
        ingress:
          - hostname: {hostname}
            service: https://127.0.0.1:9
            originRequest:
              caPool: /nonexistent/tunnel-test-ca.pem
          - service: http_status:404
        """;

    [Fact]
    public async Task Rules_a_connector_refuses_are_reported_and_the_site_keeps_serving_the_rules_it_accepted()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var good = await Stack.CliAsync("ingress", "set", name, await ConfigAsync(name, $"ingress:\n  - service: {Origin}\n"));
        Assert.True(good.ExitCode == 0, good.Output);
        Assert.Contains("No connector is online", good.Output);
        var connector = Stack.StartRemotelyManagedConnector(token);
        await Stack.WaitServedAsync(hostname);

        // Rules the connector cannot use: the CLI waits for the answer and says who refused and why.
        var bad = await Stack.CliAsync("ingress", "set", name, await ConfigAsync(name, Unusable(hostname)));
        Assert.True(bad.ExitCode == 1, bad.Output);
        Assert.Contains("refused them and keep serving their previous rules", bad.Output);
        Assert.Contains("caPool file /nonexistent/tunnel-test-ca.pem does not exist", bad.Output);

        // The edge routes by the rules the connections serve, so the site answers from the origin, not 502.
        for (var i = 0; i < 20; i++)
        {
            var response = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var info = await Stack.CliAsync("info", name);
        Assert.Contains("served by 0 of 4 connection(s)", info.Output);
        Assert.Contains("caPool file /nonexistent/tunnel-test-ca.pem does not exist", info.Output);
        var api = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}");
        Assert.Equal(4, api.GetProperty("ingress").GetProperty("refused").GetInt32());
        var connections = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}/connections");
        Assert.All(connections.EnumerateArray(), c => Assert.Contains("does not exist", c.GetProperty("ingressRejectedReason").GetString()));
        using (var dashboard = await DashboardSession.SignInAsync(Stack, Stack.AdminKey))
        {
            var page = WebUtility.HtmlDecode(await dashboard.GetStringAsync($"tunnels/{name}"));
            Assert.Contains("served by 0 of 4 connection(s)", page);
            Assert.Contains("refused these rules (it serves its previous rules, if it has any): ingress rule #1: originRequest: caPool file /nonexistent/tunnel-test-ca.pem does not exist", page);
        }

        // Reconnected while the refusal stands (the edge restarts): the new connections say which rules they kept,
        // rules this edge never sent them, and the site still serves.
        await Stack.Edge!.StopAsync(TimeSpan.FromSeconds(15));
        await Stack.StartEdgeAsync();
        await Stack.WaitServedAsync(hostname);
        // The control plane hears of the new connections from the edge's report, a moment after they serve.
        await Eventually.Until(() => Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}"),
            t => t.GetProperty("ingress").GetProperty("connections").GetInt32() == 4, TimeSpan.FromSeconds(20), "the 4 new connections reported");

        // Usable rules again: accepted by every connection, and the edge routes by them.
        var fixedRules = await Stack.CliAsync("ingress", "set", name, await ConfigAsync(name, $"""
            ingress:
              - hostname: {hostname}
                path: ^/teapot
                service: http_status:418
              - service: {Origin}
            """));
        Assert.True(fixedRules.ExitCode == 0, fixedRules.Output);
        Assert.True(fixedRules.Output.Contains("Accepted by 4 of 4 connection(s)", StringComparison.Ordinal), fixedRules.Output);
        Assert.Equal((HttpStatusCode)418, (await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/teapot"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small"))).StatusCode);
        Assert.Contains("served by 4 of 4 connection(s)", (await Stack.CliAsync("info", name)).Output);
        Assert.False(connector.HasExited);
    }

    [Fact]
    public async Task A_connector_with_nothing_it_can_serve_gets_an_honest_page_not_an_empty_502()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var set = await Stack.CliAsync("ingress", "set", name, await ConfigAsync(name, Unusable(hostname)));
        Assert.True(set.ExitCode == 0, set.Output); // no connector online yet: nothing to refuse
        Stack.StartRemotelyManagedConnector(token);

        var response = await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small")),
            r => r.Headers.TryGetValues("X-Tunnel-Error", out var codes) && codes.Single() == "ingress_refused", TimeSpan.FromSeconds(20), "the refusal known to the edge");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("ingress_refused", page);
        Assert.DoesNotContain("/nonexistent/", page); // paths on the connector's host are for the logs and tunnel info, not the public
        Assert.Contains("does not exist", (await Stack.CliAsync("info", name)).Output);
    }
}
