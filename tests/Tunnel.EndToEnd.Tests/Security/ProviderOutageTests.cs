using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Security;

/// <summary>A login while the identity provider is unreachable answers a page that says so, never a bare 500.</summary>
public sealed class ProviderOutageTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    [Fact]
    public async Task A_login_with_the_provider_down_gets_a_502_page_that_names_it()
    {
        var stack = fixture.Stack;
        var (_, hostname, token) = await stack.NewRoutedTunnelAsync();
        stack.StartConnector(token);
        await stack.WaitServedAsync(hostname);
        var deadAuthority = $"https://127.0.0.1:{Ports.Free()}";
        // Saving checks the provider's discovery document first: a dead authority is refused, saying so.
        var refused = await stack.CliAsync("access", "idp", "set", "--auth-hostname", "auth-down.localhost", "--authority", deadAuthority,
            "--client-id", "c", "--client-secret", "s");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"{deadAuthority}/.well-known/openid-configuration could not be fetched", refused.Output);
        Assert.Contains("Nothing was saved", refused.Output);

        // Set through the CLI, which prints the redirect URI to register with the edges' public port.
        var idp = await stack.CliAsync("access", "idp", "set", "--auth-hostname", "auth-down.localhost", "--authority", deadAuthority,
            "--client-id", "c", "--client-secret", "s", "--skip-check", "--edge-port", stack.PublicPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(idp.ExitCode == 0, idp.Output);
        Assert.Contains($"https://auth-down.localhost:{stack.PublicPort}/.tunnel/callback-oidc", idp.Output);
        var created = await stack.Api.PostAsJsonAsync("api/access/apps", new
        {
            name = $"down-{hostname}", domains = new[] { hostname }, sessionMinutes = 60,
            policies = new[] { new { name = "p", action = "allow", include = new[] { new { emailDomain = "example.com" } } } },
        });
        var app = await created.Content.ReadFromJsonAsync<JsonElement>();
        await Eventually.Until(() => stack.Public.GetAsync(stack.PublicUrl(hostname, "/")), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the application enforced");

        var login = stack.PublicUrl("auth-down.localhost", $"/.tunnel/login?app={app.GetProperty("id").GetString()}&return={Uri.EscapeDataString(stack.PublicUrl(hostname, "/").AbsoluteUri)}");
        var response = await Eventually.Until(() => stack.Public.GetAsync(login), r => r.StatusCode != HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(10), "the auth hostname known");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains(deadAuthority, await response.Content.ReadAsStringAsync());
        Assert.Equal("access_provider_unreachable", response.Headers.GetValues("X-Tunnel-Error").Single());
    }
}
