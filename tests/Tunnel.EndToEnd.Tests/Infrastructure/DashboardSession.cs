using System.Net;
using System.Text.RegularExpressions;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>A dashboard session signed in with an API token through the sign-in form, as a person pasting it would.</summary>
public static partial class DashboardSession
{
    public static async Task<HttpClient> SignInAsync(TunnelStack stack, string token)
    {
        var handler = new HttpClientHandler
        {
            CookieContainer = new CookieContainer(),
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        };
        var client = new HttpClient(handler) { BaseAddress = stack.Api.BaseAddress };
        var form = await client.GetStringAsync("login");
        var antiforgery = AntiforgeryField().Match(form).Groups[1].Value;
        var signIn = await client.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Token"] = token, ["__RequestVerificationToken"] = antiforgery,
        }));
        signIn.EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>The same in a browser page: the sign-in form, filled and sent.</summary>
    public static async Task SignInAsync(Microsoft.Playwright.IPage page, TunnelStack stack, string token)
    {
        await page.GotoAsync(new Uri(stack.Api.BaseAddress!, "login").AbsoluteUri);
        await page.FillAsync("#token", token);
        await page.ClickAsync("#sign-in-token");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
