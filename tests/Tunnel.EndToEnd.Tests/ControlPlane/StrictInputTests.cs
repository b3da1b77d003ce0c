using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>
/// A misspelt key is refused with its path, never dropped: dropped, `requrie` would make a policy admit more people
/// than written and `hostnme` would turn an ingress rule into a catch-all.
/// </summary>
public sealed class StrictInputTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        return detail!;
    }

    [Fact]
    public async Task An_access_application_with_a_misspelt_condition_is_refused_and_not_saved()
    {
        var name = $"strict-{Guid.NewGuid():N}"[..16];
        var body = $$"""
            { "name": "{{name}}", "domains": ["{{name}}.localhost"], "sessionMinutes": 60,
              "policies": [{ "name": "staff", "action": "allow", "include": [{ "everyone": true }],
                             "requrie": [{ "emailDomain": "example.com" }] }] }
            """;
        var detail = await ProblemDetailAsync(await Stack.Api.PostAsync("api/access/apps", new StringContent(body, Encoding.UTF8, "application/json")));
        Assert.Contains("unknown key 'requrie' at $.policies[0]", detail);
        Assert.DoesNotContain(name, await Stack.Api.GetStringAsync("api/access/apps"));

        var selector = body.Replace("\"requrie\"", "\"require\"").Replace("emailDomain", "emailDomian");
        detail = await ProblemDetailAsync(await Stack.Api.PostAsync("api/access/apps", new StringContent(selector, Encoding.UTF8, "application/json")));
        Assert.Contains("unknown key 'emailDomian' at $.policies[0].require[0]", detail);
    }

    [Fact]
    public async Task Remote_ingress_with_a_misspelt_key_is_refused_by_the_api_and_by_the_cli()
    {
        var name = $"strict-{Guid.NewGuid():N}"[..16];
        await Stack.CreateTunnelAsync(name);
        var detail = await ProblemDetailAsync(await Stack.Api.PutAsJsonAsync($"api/tunnels/{name}/ingress",
            new { rules = new object[] { new { hostnme = "a.localhost", service = "http://127.0.0.1:1" }, new { service = "http_status:404" } } }));
        Assert.Contains("unknown key 'hostnme' at $.rules[0]", detail);

        var config = Stack.TempPath($"{name}.yml");
        await File.WriteAllTextAsync(config, "ingress:\n  - hostname: a.localhost\n    service: http://127.0.0.1:1\n  - service: http_status:404\n    orginRequest: {noTLSVerify: true}\n");
        var set = await Stack.CliAsync("ingress", "set", name, config);
        Assert.Equal(2, set.ExitCode);
        Assert.Contains("line 5", set.Output);
        Assert.Contains("unknown key 'orginRequest'", set.Output);
        var show = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}/ingress");
        Assert.False(show.GetProperty("remotelyManaged").GetBoolean());
    }

    [Fact]
    public async Task Bodies_that_are_not_json_or_have_the_wrong_shape_say_where()
    {
        var detail = await ProblemDetailAsync(await Stack.Api.PostAsync("api/tunnels", new StringContent("name=web", Encoding.UTF8, "application/json")));
        Assert.Contains("request body", detail);

        detail = await ProblemDetailAsync(await Stack.Api.PostAsync("api/tunnels", new StringContent("""{"name": 5}""", Encoding.UTF8, "application/json")));
        Assert.Contains("$.name: expected a string", detail);

        detail = await ProblemDetailAsync(await Stack.Api.PostAsync("api/access/apps", new StringContent("""{"name": "x", "policies": {}}""", Encoding.UTF8, "application/json")));
        Assert.Contains("$.policies: expected a list", detail);

        detail = await ProblemDetailAsync(await Stack.Api.PostAsync("api/tunnels", new StringContent("", Encoding.UTF8, "application/json")));
        Assert.Contains("takes a JSON body", detail);
        detail = await ProblemDetailAsync(await Stack.Api.GetAsync("api/audit?limit=abc"));
        Assert.Contains("parameter 'limit' cannot be 'abc'", detail);
    }

    [Fact]
    public async Task Paths_methods_and_ids_the_api_does_not_have_say_so()
    {
        foreach (var (method, path, status, expected) in new[]
        {
            (HttpMethod.Get, "api/nope", HttpStatusCode.NotFound, "nothing at GET /api/nope"),
            (HttpMethod.Delete, "api/access/service-tokens/not-an-id", HttpStatusCode.NotFound, "ids are ids"),
        })
        {
            var response = await Stack.Api.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") });
            Assert.Equal(status, response.StatusCode);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.True(detail?.Contains(expected, StringComparison.Ordinal) == true, $"{method} {path}: {detail}");
        }
    }

    [Fact]
    public async Task The_login_hostname_cannot_be_a_routed_name()
    {
        var (_, hostname, _) = await Stack.NewRoutedTunnelAsync();
        var detail = await ProblemDetailAsync(await Stack.Api.PutAsJsonAsync("api/access/identity-provider", new
        {
            authHostname = hostname, authority = "https://login.example.com", clientId = "c", clientSecret = "s", skipDiscoveryCheck = true,
        }));
        Assert.Contains($"{hostname} is routed to a tunnel", detail);
    }
}
