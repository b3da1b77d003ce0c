using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tunnel.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>A stack whose control plane opens quick tunnels to anyone (as the local stack does), with small caps and a short grace.</summary>
public sealed class AnonymousQuickStackFixture : IAsyncLifetime
{
    public TunnelStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await TunnelStack.StartAsync(Store.Sqlite, s => s.ControlPlaneArgs.AddRange(QuickTunnelTests.Settings(s, anonymous: true)));

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>
/// `tunnel quick`: one command to a public URL that answers GET, POST, WebSocket and SSE through the edge; Ctrl+C
/// closes it; a killed one is reaped after the grace period; --ttl ends it; caps refuse clearly.
/// </summary>
public sealed partial class QuickTunnelTests(AnonymousQuickStackFixture fixture, ITestOutputHelper output) : IClassFixture<AnonymousQuickStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    public static string[] Settings(TunnelStack stack, bool anonymous) =>
    [
        "--ControlPlane:QuickTunnels:Enabled=true", $"--ControlPlane:QuickTunnels:AllowAnonymous={anonymous}",
        "--ControlPlane:QuickTunnels:Domain=quick.localhost", $"--ControlPlane:QuickTunnels:PublicPort={stack.PublicPort}",
        "--ControlPlane:QuickTunnels:GracePeriod=00:00:04", "--ControlPlane:QuickTunnels:MaxPerClientAddress=3",
        "--ControlPlane:QuickTunnels:MaxLifetime=02:00:00", $"--ControlPlane:QuickTunnels:OpensPerHour={(anonymous ? 100 : 4)}",
    ];

    /// <summary>The CLI's environment without an API key: anonymous, as a developer on the local stack types it.</summary>
    private Dictionary<string, string> Anonymous()
    {
        var env = Stack.CliEnvironment("");
        env.Remove("TUNNEL_API_KEY");
        return env;
    }

    private TestProcess StartQuick(params string[] extra) => Stack.Track(TestProcess.StartDotnet("quick", Binaries.Connector,
        ["quick", "--url", $"http://127.0.0.1:{Stack.OriginPort}", "--edge-ca", Stack.EdgeCa, .. extra], Anonymous()));

    private static async Task<Uri> UrlOfAsync(TestProcess quick)
    {
        var text = await Eventually.Until(() => Task.FromResult(quick.Output), o => QuickUrl().IsMatch(o), TimeSpan.FromSeconds(20), "the quick tunnel's URL printed");
        return new Uri(QuickUrl().Match(text).Value);
    }

    [Fact]
    public async Task One_command_gives_a_url_that_answers_get_post_websocket_and_sse_and_ctrl_c_closes_it()
    {
        var clock = Stopwatch.StartNew();
        var quick = StartQuick();
        var url = await UrlOfAsync(quick);
        Assert.Matches(@"^https://[a-z]+-[a-z]+-\d{4}\.quick\.localhost:\d+/$", url.AbsoluteUri);
        await Eventually.Until(() => Stack.Public.GetAsync(new Uri(url, "/small")), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the quick URL answering");
        output.WriteLine($"tunnel quick to a URL that answers: {clock.ElapsedMilliseconds} ms");

        var echoed = await Stack.Public.PostAsync(new Uri(url, "/echo"), new StringContent("posted through a quick tunnel"));
        Assert.Equal("posted through a quick tunnel", await echoed.Content.ReadAsStringAsync());
        using (var socket = new ClientWebSocket())
        {
            using var invoker = new HttpMessageInvoker(Stack.PublicHandler());
            await socket.ConnectAsync(new Uri($"wss://{url.Authority}/ws"), invoker, CancellationToken.None);
            await socket.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[16];
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal("ping", Encoding.UTF8.GetString(buffer, 0, received.Count));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }

        using (var sse = await Stack.Public.GetAsync(new Uri(url, "/sse?count=3&ms=100"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal("text/event-stream", sse.Content.Headers.ContentType?.MediaType);
            Assert.Equal(3, Regex.Matches(await sse.Content.ReadAsStringAsync(), "^data: ", RegexOptions.Multiline).Count);
        }

        var (_, list) = await Stack.CliAsync("list");
        Assert.Contains($"{url.Host.Split('.')[0]} (quick, ends", list);

        await quick.StopAsync(TimeSpan.FromSeconds(40), signal: 2); // Ctrl+C
        Assert.Equal(0, quick.ExitCode);
        await Eventually.Until(() => Task.FromResult(quick.Output), o => o.Contains("Quick tunnel closed."), TimeSpan.FromSeconds(5), "the closing line (output is read after exit)");
        // The edges hear of the removal through the config stream within moments: then the name is nobody's.
        await Eventually.Until(() => Stack.Public.GetAsync(new Uri(url, "/small")), r => r.StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(5), "the name unrouted");
        Assert.DoesNotContain(url.Host.Split('.')[0], await Stack.Api.GetStringAsync("api/tunnels"));
    }

    [Fact]
    public async Task A_killed_quick_tunnel_is_reaped_a_ttl_ends_one_and_the_limits_refuse_with_reasons()
    {
        var killed = StartQuick();
        var url = await UrlOfAsync(killed);
        await Eventually.Until(() => Stack.Public.GetAsync(new Uri(url, "/small")), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "served");
        await killed.KillAsync(); // no chance to close it: the control plane must
        var reaped = Stopwatch.StartNew();
        await Eventually.Until(() => Stack.Public.GetAsync(new Uri(url, "/small")), r => r.StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30), "the killed quick tunnel reaped");
        output.WriteLine($"reaped {reaped.ElapsedMilliseconds} ms after the kill (grace 4 s)");
        var closes = await Stack.Api.GetStringAsync("api/audit?action=quick.close&limit=500");
        Assert.True(closes.Contains("no connection for 4 s"), closes);

        var ttl = StartQuick("--ttl", "3s");
        var ttlUrl = await UrlOfAsync(ttl);
        await ttl.WaitForExitAsync(TimeSpan.FromSeconds(40));
        await Eventually.Until(() => Task.FromResult(ttl.Output), o => o.Contains("time is up") && o.Contains("Quick tunnel closed"), TimeSpan.FromSeconds(5), "the ttl's lines");
        await Eventually.Until(() => Stack.Public.GetAsync(new Uri(ttlUrl, "/small")), r => r.StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(5), "the name unrouted");

        // Refusals name their limit: the lifetime, and the cap per address (3 here), which concurrent opens cannot outrun.
        using var anonymous = Stack.ApiAs(null);
        var tooLong = await anonymous.PostAsJsonAsync("api/quick-tunnels", new { ttl = "3h" });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("longer than quick tunnels may live here (2h", await tooLong.Content.ReadAsStringAsync());
        var attempts = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => anonymous.PostAsJsonAsync("api/quick-tunnels", new { })));
        var opened = new List<JsonElement>();
        foreach (var attempt in attempts.Where(a => a.IsSuccessStatusCode))
        {
            opened.Add(await attempt.Content.ReadFromJsonAsync<JsonElement>());
        }

        Assert.Equal(3, opened.Count);
        var refused = attempts.First(a => !a.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("the most allowed per address or token (ControlPlane:QuickTunnels:MaxPerClientAddress)", await refused.Content.ReadAsStringAsync());

        // Closing needs the key it was given: another key closes nothing.
        var first = opened[0];
        using var wrongKey = new HttpRequestMessage(HttpMethod.Delete, $"api/quick-tunnels/{first.GetProperty("id").GetString()}") { Headers = { { "Tunnel-Quick-Key", "not-the-key" } } };
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.SendAsync(wrongKey)).StatusCode);
        foreach (var q in opened)
        {
            using var close = new HttpRequestMessage(HttpMethod.Delete, $"api/quick-tunnels/{q.GetProperty("id").GetString()}") { Headers = { { "Tunnel-Quick-Key", q.GetProperty("key").GetString() } } };
            Assert.Equal(HttpStatusCode.NoContent, (await anonymous.SendAsync(close)).StatusCode);
        }

        // Anonymous callers cannot put the operator's login in front of their server; a browser cannot open one cross-site
        // (JSON only); a body is small.
        var gated = await anonymous.PostAsJsonAsync("api/quick-tunnels", new { allowEmails = new[] { "alice@example.com" } });
        Assert.Equal(HttpStatusCode.BadRequest, gated.StatusCode);
        Assert.Contains("needs an API token of role quick", await gated.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await anonymous.PostAsync("api/quick-tunnels", new StringContent("{}", Encoding.UTF8, "text/plain"))).StatusCode);
        var huge = await anonymous.PostAsync("api/quick-tunnels", new StringContent($$"""{"allowDomains":["{{new string('a', 20_000)}}.com"]}""", Encoding.UTF8, "application/json"));
        Assert.False(huge.IsSuccessStatusCode);
        Assert.DoesNotContain(await Stack.Api.GetStringAsync("api/access/apps"), "quick-");

        // A dashboard sign-in is not a token: a viewer's session opens as anyone would, and may not gate with Access.
        var viewerToken = (await (await Stack.Api.PostAsJsonAsync("api/tokens", new { name = $"v-{Guid.NewGuid():N}"[..16], role = "viewer" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using (var signedIn = await DashboardSession.SignInAsync(Stack, viewerToken))
        {
            var byCookie = await signedIn.PostAsJsonAsync("api/quick-tunnels", new { allowEmails = new[] { "alice@example.com" } });
            Assert.Equal(HttpStatusCode.BadRequest, byCookie.StatusCode);
            Assert.Contains("needs an API token of role quick", await byCookie.Content.ReadAsStringAsync());
        }

        // A quick token with a long name is held to the cap per token like any other (3 here).
        var longName = $"quick-{Guid.NewGuid():N}{Guid.NewGuid():N}"[..60];
        var quickToken = (await (await Stack.Api.PostAsJsonAsync("api/tokens", new { name = longName, role = "quick" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using var byToken = Stack.ApiAs(quickToken);
        var mine = new List<JsonElement>();
        for (var i = 0; i < 4; i++)
        {
            var attempt = await byToken.PostAsJsonAsync("api/quick-tunnels", new { });
            if (i < 3)
            {
                Assert.Equal(HttpStatusCode.Created, attempt.StatusCode);
                mine.Add(await attempt.Content.ReadFromJsonAsync<JsonElement>());
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, attempt.StatusCode);
                Assert.Contains("your token has 3 quick tunnels open", await attempt.Content.ReadAsStringAsync());
            }
        }

        foreach (var q in mine)
        {
            using var close = new HttpRequestMessage(HttpMethod.Delete, $"api/quick-tunnels/{q.GetProperty("id").GetString()}") { Headers = { { "Tunnel-Quick-Key", q.GetProperty("key").GetString() } } };
            Assert.Equal(HttpStatusCode.NoContent, (await anonymous.SendAsync(close)).StatusCode);
        }

        // Under an Access application of the operator's, no quick tunnel opens: its origin would receive that application's sessions.
        var covering = await Stack.Api.PostAsJsonAsync("api/access/apps", new
        {
            name = $"internal-{Guid.NewGuid():N}"[..20], domains = new[] { "*.quick.localhost" }, sessionMinutes = 60,
            policies = new[] { new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } } },
        });
        Assert.True(covering.IsSuccessStatusCode, await covering.Content.ReadAsStringAsync());
        var appId = (await covering.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        try
        {
            var underGate = await anonymous.PostAsJsonAsync("api/quick-tunnels", new { });
            Assert.Equal(HttpStatusCode.TooManyRequests, underGate.StatusCode);
            Assert.Contains("would receive the sessions of that application's users", await underGate.Content.ReadAsStringAsync());
        }
        finally
        {
            (await Stack.Api.DeleteAsync($"api/access/apps/{appId}")).EnsureSuccessStatusCode();
        }
    }

    [GeneratedRegex(@"https://[a-z]+-[a-z]+-\d{4}\.quick\.localhost:\d+")]
    private static partial Regex QuickUrl();
}

/// <summary>Where anonymous use is off: a `quick` token opens quick tunnels and can do nothing else.</summary>
public sealed class QuickTunnelTokenTests : IAsyncLifetime
{
    private TunnelStack _stack = null!;

    public async Task InitializeAsync() => _stack = await TunnelStack.StartAsync(Store.Sqlite, s => s.ControlPlaneArgs.AddRange(QuickTunnelTests.Settings(s, anonymous: false)));

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Without_anonymous_use_a_quick_token_is_needed_and_it_can_do_nothing_else()
    {
        using var anonymous = _stack.ApiAs(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("api/quick-tunnels", new { })).StatusCode);
        async Task<string> TokenAsync(string role) =>
            (await (await _stack.Api.PostAsJsonAsync("api/tokens", new { name = $"{role}-{Guid.NewGuid():N}"[..16], role })).Content.ReadFromJsonAsync<JsonElement>())
                .GetProperty("token").GetString()!;
        using var viewer = _stack.ApiAs(await TokenAsync("viewer"));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("api/quick-tunnels", new { })).StatusCode);

        var quickToken = await TokenAsync("quick");
        using var quick = _stack.ApiAs(quickToken);
        var opened = await quick.PostAsJsonAsync("api/quick-tunnels", new { ttl = "10m" });
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var (name, _, _) = await _stack.NewRoutedTunnelAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await quick.GetAsync("api/tunnels")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await quick.DeleteAsync($"api/tunnels/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await quick.GetAsync($"api/tunnels/{name}/token")).StatusCode);
        var (exit, output) = await _stack.CliAsAsync(quickToken, "list");
        Assert.NotEqual(0, exit);
        Assert.Contains("quick", output);

        // A token holder may gate it with Access: the application is made for the hostname alone and goes with the tunnel.
        var gated = await quick.PostAsJsonAsync("api/quick-tunnels", new { allowEmails = new[] { "alice@example.com" }, allowDomains = new[] { "example.org" } });
        Assert.Equal(HttpStatusCode.Created, gated.StatusCode);
        var gatedTunnel = await gated.Content.ReadFromJsonAsync<JsonElement>();
        var appName = $"quick-{gatedTunnel.GetProperty("name").GetString()}";
        Assert.Contains(appName, await _stack.Api.GetStringAsync("api/access/apps"));
        using (var close = new HttpRequestMessage(HttpMethod.Delete, $"api/quick-tunnels/{gatedTunnel.GetProperty("id").GetString()}") { Headers = { { "Tunnel-Quick-Key", gatedTunnel.GetProperty("key").GetString() } } })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await anonymous.SendAsync(close)).StatusCode);
        }

        Assert.DoesNotContain(appName, await _stack.Api.GetStringAsync("api/access/apps"));
        var badEmail = await quick.PostAsJsonAsync("api/quick-tunnels", new { allowEmails = new[] { "not an email" } });
        Assert.Contains("is not an email address", await badEmail.Content.ReadAsStringAsync());

        var env = _stack.CliEnvironment(quickToken);
        var process = _stack.Track(TestProcess.StartDotnet("quick", Binaries.Connector, ["quick", "--url", $"http://127.0.0.1:{_stack.OriginPort}", "--edge-ca", _stack.EdgeCa], env));
        var text = await Eventually.Until(() => Task.FromResult(process.Output), o => o.Contains(".quick.localhost:"), TimeSpan.FromSeconds(20), "the URL");
        var url = new Uri(Regex.Match(text, @"https://\S+\.quick\.localhost:\d+").Value);
        await Eventually.Until(() => _stack.Public.GetAsync(new Uri(url, "/small")), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "served");
        await process.StopAsync(TimeSpan.FromSeconds(40));
        await Eventually.Until(() => Task.FromResult(process.Output), o => o.Contains("Quick tunnel closed."), TimeSpan.FromSeconds(5), "the closing line");
        await Eventually.Until(() => _stack.Public.GetAsync(new Uri(url, "/small")), r => r.StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(5), "the name unrouted");

        // Asking again and again is limited too (4 an hour here): re-opening cannot keep the total cap full.
        var limited = await quick.PostAsJsonAsync("api/quick-tunnels", new { });
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Contains("ControlPlane:QuickTunnels:OpensPerHour", await limited.Content.ReadAsStringAsync());

        // A quick token does not sign in to the dashboard.
        using var page = await DashboardSession.SignInAsync(_stack, quickToken);
        var home = await page.GetAsync("/");
        Assert.Equal("/login", home.RequestMessage!.RequestUri!.AbsolutePath); // still signed out
    }
}
