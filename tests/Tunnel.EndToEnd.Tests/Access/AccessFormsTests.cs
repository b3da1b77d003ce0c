using System.Net;
using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Access;

/// <summary>An Access application made through the dashboard's forms alone, then held to at the edge with real logins.</summary>
public sealed class AccessFormsTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private async Task<IPage> AdminDashboardAsync()
    {
        var page = await fixture.NewPageAsync();
        await DashboardSession.SignInAsync(page, Stack, Stack.AdminKey);
        return page;
    }

    [Fact]
    public async Task An_application_with_two_policies_made_in_the_forms_holds_at_the_edge_and_form_errors_sit_by_their_field()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        var page = await AdminDashboardAsync();
        await page.GotoAsync(new Uri(Stack.Api.BaseAddress!, "access").AbsoluteUri);
        await page.ClickAsync("#new-application");
        var name = $"forms-{Guid.NewGuid():N}"[..20];
        await page.FillAsync("#app-name", name);
        await page.FillAsync("#app-domains", $"{hostname}\nbad*domain.example.com");
        await page.FillAsync("#policy-0-name", "no contractors");
        await page.SelectOptionAsync("#policy-0-action", "deny");
        await page.SelectOptionAsync("#policy-0-include select", "group");
        await page.FillAsync("#policy-0-include input", "contractors");
        await page.ClickAsync("#add-policy");                                 // the server adds the row; what was typed stays
        Assert.Equal("contractors", await page.InputValueAsync("#policy-0-include input"));
        await page.FillAsync("#policy-1-name", "staff");
        await page.SelectOptionAsync("#policy-1-action", "allow");
        await page.SelectOptionAsync("#policy-1-include select", "emailDomain");
        await page.ClickAsync("#save-app");

        // Two mistakes, each said where it is: an empty value, then the validator's own words about a domain.
        Assert.Contains("policy #2 ('staff'): the include condition 'emailDomain' needs a value", await page.InnerTextAsync("#policy-1-error"));
        await page.FillAsync("#policy-1-include input", "example.com");
        await page.ClickAsync("#save-app");
        Assert.Contains("domain 'bad*domain.example.com' is not a hostname", await page.InnerTextAsync("#app-domains-error"));
        await page.FillAsync("#app-domains", hostname);
        await page.ClickAsync("#save-app");
        Assert.Contains($"Saved {name}", await page.InnerTextAsync("#app-notice"));

        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small")), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the edge enforcing the application made in the forms");

        // Alice (staff at example.com) is let in; Mallory (a contractor) is refused.
        foreach (var (login, status) in new[] { (AccessFixture.Alice, 200), (AccessFixture.Mallory, 403) })
        {
            var person = await fixture.NewPageAsync();
            await person.GotoAsync(Stack.PublicUrl(hostname, "/small").AbsoluteUri);
            await fixture.LogInAtProviderAsync(person, login);
            await person.WaitForURLAsync(Stack.PublicUrl(hostname, "/small").AbsoluteUri);
            Assert.Equal(status, await person.EvaluateAsync<int>("async u => (await fetch(u)).status", Stack.PublicUrl(hostname, "/small").AbsoluteUri));
        }

        // The saved application opens in the form again, policies in their order.
        await page.GotoAsync(new Uri(Stack.Api.BaseAddress!, "access").AbsoluteUri);
        await page.ClickAsync($"a:text-is('{name}')");
        Assert.Equal("no contractors", await page.InputValueAsync("#policy-0-name"));
        Assert.Equal("staff", await page.InputValueAsync("#policy-1-name"));
        Assert.Equal("deny", await page.InputValueAsync("#policy-0-action"));
    }
}
