using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>
/// The inspector page in Chromium, as a person uses it: turn capture on, watch a webhook arrive without reloading,
/// read it, replay it and replay an edited copy (the origin receives each), export HAR; a viewer sees it masked and
/// has no replay or export.
/// </summary>
public sealed class InspectorPageTests : IAsyncLifetime
{
    private TunnelStack _stack = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _stack = await TunnelStack.StartAsync(Store.Sqlite);
        (_playwright, _browser) = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _stack.DisposeAsync();
    }

    private async Task<IPage> SignedInPageAsync(string token)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true, AcceptDownloads = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await DashboardSession.SignInAsync(page, _stack, token);
        return page;
    }

    [Fact]
    public async Task A_webhook_appears_live_is_read_replayed_edited_and_exported_and_a_viewer_sees_it_masked()
    {
        var (name, hostname, token) = await _stack.NewRoutedTunnelAsync();
        _stack.StartConnector(token);
        await _stack.WaitServedAsync(hostname);
        var page = await SignedInPageAsync(_stack.AdminKey);
        await page.GotoAsync(new Uri(_stack.Api.BaseAddress!, $"tunnels/{name}").AbsoluteUri);
        await page.ClickAsync("#inspector-link");
        await page.Locator("#capture-state").Filter(new() { HasTextString = "Capture is off" }).WaitForAsync();

        // On, from the page's form.
        await page.CheckAsync("#capture-enabled");
        await page.ClickAsync("#save-settings");
        await page.Locator("#capture-state").Filter(new() { HasTextString = "Capture is on" }).WaitForAsync();
        var axe = await Axe.SeriousViolationsAsync(page);
        Assert.True(axe.Count == 0, string.Join("\n", axe));

        // A webhook from outside, sent once the edge captures (the config stream pushes the change): it appears in the list by itself.
        var delivery = Guid.NewGuid().ToString("N")[..8];
        var payload = $$"""{"event":"push","delivery":"{{delivery}}","commits":[{"id":"abc"}]}""";
        await Eventually.Until(async () =>
        {
            using var post = new HttpRequestMessage(HttpMethod.Post, _stack.PublicUrl(hostname, $"/webhook/{delivery}"))
            {
                Content = new StringContent(payload, Encoding.UTF8, "application/json"),
            };
            post.Headers.Authorization = new("Bearer", "sekret-signature-value");
            post.Headers.Add("Cookie", "sid=sekret-session-cookie");
            await _stack.Public.SendAsync(post);
            return await page.Locator($"#capture-list button:text-is('/webhook/{delivery}')").CountAsync();
        }, count => count > 0, TimeSpan.FromSeconds(20), "the webhook in the live list");
        var received = (await Received()).Count(r => r.StartsWith(delivery, StringComparison.Ordinal));

        // Read it: headers (masked) and the body, pretty-printed.
        await page.Locator($"#capture-list button:text-is('/webhook/{delivery}')").Last.ClickAsync();
        await page.Locator("#detail-title").Filter(new() { HasTextString = $"POST https://{hostname}:{_stack.PublicPort}/webhook/{delivery}" }).WaitForAsync();
        var detailText = await page.InnerTextAsync("#capture-detail");
        Assert.Contains("Bearer [redacted]", detailText);
        Assert.Contains("sid=[redacted]", detailText);
        Assert.DoesNotContain("sekret", detailText);
        Assert.Contains("\"delivery\": \"" + delivery + "\"", await page.InnerTextAsync("#capture-detail pre.body.json"));

        // Replay: the origin receives it once more; the replay shows up in the list, linked to its original.
        await page.ClickAsync("#replay");
        await page.Locator("#replay-result").Filter(new() { HasTextString = "Replayed through the edge" }).WaitForAsync();
        Assert.Contains(": 200 in", await page.InnerTextAsync("#replay-result"));
        await Eventually.Until(Received, r => r.Count(x => x.StartsWith(delivery, StringComparison.Ordinal)) == received + 1, TimeSpan.FromSeconds(10), "the replay at the origin");
        await page.Locator("#capture-list .tag").First.WaitForAsync();

        // Edit and replay: a changed body reaches the origin.
        await page.ClickAsync("#edit-replay");
        await page.FillAsync("#edit-body", $$"""{"event":"push","delivery":"{{delivery}}","edited":true}""");
        await page.EvalOnSelectorAsync("#replay-result", "e => e.textContent = ''");
        await page.ClickAsync("#send-edited");
        var edited = await Eventually.Until(() => page.InnerTextAsync("#replay-result"), t => t.StartsWith("Replayed", StringComparison.Ordinal) || t.Contains("failed"),
            TimeSpan.FromSeconds(20), "the edited replay's result");
        Assert.Contains(": 200 in", edited);
        await Eventually.Until(Received, r => r.Any(x => x.StartsWith(delivery, StringComparison.Ordinal) && x.Contains("\"edited\":true")),
            TimeSpan.FromSeconds(10), "the edited replay at the origin");

        // Export both the original and the first replay as HAR: the file parses and holds both entries.
        var rows = page.Locator("#capture-list tbody tr").Filter(new() { Has = page.Locator($"button:text-is('/webhook/{delivery}')") });
        var replays = rows.Filter(new() { Has = page.Locator(".tag") });
        await Eventually.Until(() => replays.CountAsync(), n => n >= 2, TimeSpan.FromSeconds(10), "both replays in the list");
        await rows.Filter(new() { HasNot = page.Locator(".tag") }).Last.Locator("input.pick").CheckAsync(); // an original (the list is newest first)
        await replays.Last.Locator("input.pick").CheckAsync(); // the first replay
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-selected"));
        var har = JsonDocument.Parse(await File.ReadAllTextAsync(await download.PathAsync()));
        var entries = har.RootElement.GetProperty("log").GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal("1.2", har.RootElement.GetProperty("log").GetProperty("version").GetString());
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal("POST", e.GetProperty("request").GetProperty("method").GetString()));
        Assert.Single(entries, e => e.GetProperty("_tunnel").GetProperty("replayOf").ValueKind == JsonValueKind.String);
        Assert.DoesNotContain("sekret", har.RootElement.GetRawText());

        // Copy as curl: the command, masked.
        await page.ClickAsync("#copy-curl");
        var curl = await page.InnerTextAsync("#curl");
        Assert.StartsWith($"curl -g -X 'POST' 'https://{hostname}:{_stack.PublicPort}/webhook/", curl);
        Assert.DoesNotContain("sekret", curl);

        // A viewer: the same request, masked, without replay or export.
        var viewerToken = (await (await _stack.Api.PostAsJsonAsync("api/tokens", new { name = $"v-{Guid.NewGuid():N}"[..20], role = "viewer" })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("token").GetString()!;
        var viewer = await SignedInPageAsync(viewerToken);
        await viewer.GotoAsync(new Uri(_stack.Api.BaseAddress!, $"tunnels/{name}/inspect").AbsoluteUri);
        await viewer.Locator($"#capture-list button:text-is('/webhook/{delivery}')").Last.ClickAsync();
        await viewer.Locator("#detail-title").WaitForAsync();
        Assert.Contains("Bearer [redacted]", await viewer.InnerTextAsync("#capture-detail"));
        Assert.Equal(0, await viewer.Locator("#replay, #export-selected, #export-all, #settings-form").CountAsync());
        var forged = await viewer.APIRequest.PostAsync(new Uri(_stack.Api.BaseAddress!, "dashboard/captures/1/replay").AbsoluteUri,
            new() { DataObject = new { }, Headers = new Dictionary<string, string> { ["RequestVerificationToken"] = "x" } });
        Assert.Equal((int)HttpStatusCode.Forbidden, forged.Status);

        Task<string[]> Received() => _stack.Public.GetFromJsonAsync<string[]>(_stack.PublicUrl(hostname, "/webhook/received"))!;
    }
}
