using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Access;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Security;

/// <summary>What the attack tests set up again and again: a served hostname, applications, service tokens.</summary>
public sealed class SecurityScenario(AccessFixture fixture)
{
    public TunnelStack Stack => fixture.Stack;

    public async Task<string> ServedHostnameAsync(string? hostname = null)
    {
        var (name, routed, token) = await Stack.NewRoutedTunnelAsync();
        if (hostname is not null)
        {
            await Stack.RouteAsync(name, hostname);
        }

        Stack.StartConnector(token);
        await Stack.WaitServedAsync(routed);
        return hostname ?? routed;
    }

    public async Task<JsonElement> CreateAppAsync(string name, string[] domains, params object[] policies)
    {
        var response = await Stack.Api.PostAsJsonAsync("api/access/apps", new { name, domains, sessionMinutes = 60, policies });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static object Allow(string emailDomain) => new { name = "people", action = "allow", include = new[] { new { emailDomain } } };

    public static object ServiceAuth(string clientId) => new { name = "robot", action = "service_auth", include = new[] { new { serviceToken = clientId } } };

    public static object Bypass() => new { name = "open", action = "bypass", include = new[] { new { everyone = true } } };

    public async Task<(string Id, string ClientId, string Secret)> CreateServiceTokenAsync(string name)
    {
        var created = await (await Stack.Api.PostAsJsonAsync("api/access/service-tokens", new { name })).Content.ReadFromJsonAsync<JsonElement>();
        var info = created.GetProperty("info");
        return (info.GetProperty("id").GetString()!, info.GetProperty("clientId").GetString()!, created.GetProperty("clientSecret").GetString()!);
    }

    public static string[] TokenHeaders((string Id, string ClientId, string Secret) token) =>
        [$"Tunnel-Access-Client-Id: {token.ClientId}", $"Tunnel-Access-Client-Secret: {token.Secret}"];

    public Task<RawHttp1Client.Response> RawGetAsync(string host, string target, params string[] headerLines) =>
        RawHttp1Client.GetAsync(Stack.PublicPort, host, target, headerLines);

    /// <summary>Waits until the edge enforces what was just configured (the config push), seen on a request expected to be refused.</summary>
    public Task WaitStatusAsync(string host, string target, int status, params string[] headerLines) =>
        Eventually.Until(() => RawGetAsync(host, target, headerLines), r => r.Status == status, TimeSpan.FromSeconds(10), $"{target} on {host} answering {status}");
}
