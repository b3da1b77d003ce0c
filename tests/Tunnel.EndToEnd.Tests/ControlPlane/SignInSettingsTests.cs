using System.Net;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>
/// A broken dashboard sign-in setting affects dashboard sign-in only, and says what is wrong: the API, readiness and
/// the edges' config stream keep working.
/// </summary>
public sealed class SignInSettingsTests
{
    private static async Task<string> LoginPageAsync(TunnelStack stack, string path = "login")
    {
        using var anonymous = stack.ApiAs(null);
        var response = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_plain_http_provider_on_another_host_disables_sign_in_only_and_says_why()
    {
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, s => s.ControlPlaneArgs.AddRange([
            "--ControlPlane:Oidc:Authority=http://idp.example.test/realms/main",
            "--ControlPlane:Oidc:ClientId=dashboard",
            "--ControlPlane:Oidc:ClientSecret=s",
        ]));

        // Readiness, the API and config distribution (an edge serving a new tunnel) are unaffected.
        Assert.Equal(HttpStatusCode.OK, (await stack.Api.GetAsync("readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await stack.Api.GetAsync("api/tunnels")).StatusCode);
        var (_, hostname, token) = await stack.NewRoutedTunnelAsync();
        stack.StartConnector(token);
        await stack.WaitServedAsync(hostname);

        var page = await LoginPageAsync(stack);
        Assert.Contains("Single sign-on is disabled: ControlPlane:Oidc:Authority http://idp.example.test/realms/main is plain http", page);
        Assert.DoesNotContain("sign-in-oidc", page);
        Assert.Contains("Dashboard sign-in through OIDC is disabled", stack.ControlPlane!.Output);
    }

    [Fact]
    public async Task A_loopback_http_provider_is_accepted_and_when_it_is_down_sign_in_says_so()
    {
        var dead = $"http://127.0.0.1:{Ports.Free()}";
        await using var stack = await TunnelStack.StartAsync(Store.Sqlite, s => s.ControlPlaneArgs.AddRange([
            $"--ControlPlane:Oidc:Authority={dead}",
            "--ControlPlane:Oidc:ClientId=dashboard",
            "--ControlPlane:Oidc:ClientSecret=s",
        ]));

        // http on loopback is a development provider: sign-in is offered without RequireHttpsMetadata=false.
        var page = await LoginPageAsync(stack);
        Assert.Contains("sign-in-oidc", page);
        Assert.DoesNotContain("disabled", page);

        using var anonymous = new HttpClient(new HttpClientHandler
        {
            AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        }) { BaseAddress = stack.Api.BaseAddress };
        var challenge = await anonymous.GetAsync("login/oidc?returnUrl=%2F");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        Assert.Equal("/login?problem=provider_unreachable", challenge.Headers.Location?.OriginalString);
        Assert.Contains($"The identity provider at {dead} could not be reached", await LoginPageAsync(stack, "login?problem=provider_unreachable"));
        Assert.Equal(HttpStatusCode.OK, (await stack.Api.GetAsync("api/tunnels")).StatusCode);
    }
}
