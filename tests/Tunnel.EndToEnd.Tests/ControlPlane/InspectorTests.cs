using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>
/// The traffic inspector through the API and the CLI against the real stack: capture switched on and off, redaction
/// in every view (API, CLI, HAR), replays that reach the origin again (as captured, edited, from $EDITOR), the
/// limits, the roles, and bodies shown decoded, as hex, or not at all (a WebSocket).
/// </summary>
public abstract class InspectorTests(StackFixture fixture)
{
    private TunnelStack Stack => fixture.Stack;

    private async Task<(string Name, string Hostname)> CapturingTunnelAsync()
    {
        var (name, hostname, _) = await CapturingTunnelWithTokenAsync();
        return (name, hostname);
    }

    private async Task<(string Name, string Hostname, string Token)> CapturingTunnelWithTokenAsync()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
        var (exit, output) = await Stack.CliAsync("inspect", name, "--enable");
        Assert.True(exit == 0, output);
        Assert.Contains($"Capture is on for {name}", output);
        // The edge hears of it through the config stream: wait until a request is captured.
        await Eventually.Until(async () =>
        {
            await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small?probe"));
            return await ListAsync(name, "path=probe");
        }, items => items.Count > 0, TimeSpan.FromSeconds(15), "capture on at the edge");
        return (name, hostname, token);
    }

    private async Task<List<JsonElement>> ListAsync(string tunnel, string query = "", HttpClient? api = null) =>
        (await (api ?? Stack.Api).GetFromJsonAsync<JsonElement>($"api/tunnels/{tunnel}/captures?{query}")).GetProperty("items").EnumerateArray().ToList();

    private Task<List<JsonElement>> WaitForAsync(string tunnel, string query, int count) =>
        Eventually.Until(() => ListAsync(tunnel, query), items => items.Count >= count, TimeSpan.FromSeconds(15), $"{count} captures matching {query}");

    private async Task<JsonElement> DetailAsync(long id, HttpClient? api = null) => await (api ?? Stack.Api).GetFromJsonAsync<JsonElement>($"api/captures/{id}");

    private async Task<string[]> ReceivedAsync(string hostname) =>
        (await Stack.Public.GetFromJsonAsync<string[]>(Stack.PublicUrl(hostname, "/webhook/received")))!;

    private static string Header(JsonElement message, string name) =>
        message.GetProperty("headers").EnumerateArray().First(h => h[0].GetString()!.Equals(name, StringComparison.OrdinalIgnoreCase))[1].GetString()!;

    [Fact]
    public async Task A_captured_webhook_shows_masked_credentials_everywhere_and_replays_reach_the_origin_again()
    {
        var (name, hostname) = await CapturingTunnelAsync();
        using var post = new HttpRequestMessage(HttpMethod.Post, Stack.PublicUrl(hostname, "/webhook/github?delivery=1"))
        {
            Content = new StringContent("""{"action":"opened","number":42}""", Encoding.UTF8, "application/json"),
        };
        post.Headers.Authorization = new("Bearer", "sekret-bearer-value");
        post.Headers.Add("Cookie", "session=sekret-cookie-value; theme=dark");
        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.SendAsync(post)).StatusCode);

        var item = (await WaitForAsync(name, "path=/webhook/github", 1))[0];
        var id = item.GetProperty("id").GetInt64();
        Assert.Equal(("POST", 200), (item.GetProperty("method").GetString(), item.GetProperty("status").GetInt32()));

        // The API: masked, the body pretty-printed JSON, timing and who served it.
        var detail = await DetailAsync(id);
        var raw = detail.GetRawText();
        Assert.DoesNotContain("sekret", raw);
        Assert.Equal("Bearer [redacted]", Header(detail.GetProperty("request"), "Authorization"));
        Assert.Equal("session=[redacted]; theme=[redacted]", Header(detail.GetProperty("request"), "Cookie"));
        var body = detail.GetProperty("request").GetProperty("body");
        Assert.Equal("json", body.GetProperty("format").GetString());
        Assert.Contains("\"number\": 42", body.GetProperty("text").GetString());
        Assert.True(detail.GetProperty("redacted").GetBoolean());
        Assert.Equal($"https://{hostname}:{Stack.PublicPort}/webhook/github?delivery=1", detail.GetProperty("url").GetString());
        Assert.Equal(Stack.FirstEdge.Id, detail.GetProperty("edgeId").GetString());
        Assert.False(string.IsNullOrEmpty(detail.GetProperty("connectorId").GetString()));
        Assert.False(string.IsNullOrEmpty(detail.GetProperty("requestId").GetString())); // the X-Request-Id the origin got
        Assert.True(detail.GetProperty("firstByteMs").GetDouble() <= detail.GetProperty("durationMs").GetDouble());

        // The CLI and the HAR export: masked too.
        var (exit, shown) = await Stack.CliAsync("inspect", name, "--show", id.ToString());
        Assert.True(exit == 0, shown);
        Assert.Contains("> Authorization: Bearer [redacted]", shown);
        Assert.Contains("\"action\": \"opened\"", shown);
        Assert.DoesNotContain("sekret", shown);
        var har = await Stack.Api.GetStringAsync($"api/tunnels/{name}/captures/har?ids={id}");
        Assert.DoesNotContain("sekret", har);
        var entry = JsonDocument.Parse(har).RootElement.GetProperty("log").GetProperty("entries")[0];
        Assert.Equal("POST", entry.GetProperty("request").GetProperty("method").GetString());
        Assert.Contains("\"number\":42", entry.GetProperty("request").GetProperty("postData").GetProperty("text").GetString());

        // Replay as captured: the origin receives it a second time, and the replay is captured, linked to its original.
        var replay = await Stack.Api.PostAsJsonAsync($"api/captures/{id}/replay", new { });
        var result = await replay.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(replay.IsSuccessStatusCode, result.GetRawText());
        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.Contains(result.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("Authorization"));
        Assert.Equal(2, (await ReceivedAsync(hostname)).Count(r => r == """github {"action":"opened","number":42}"""));
        var replayed = await DetailAsync(result.GetProperty("id").GetInt64());
        Assert.Equal(id, replayed.GetProperty("replayOfId").GetInt64());
        Assert.Contains(replayed.GetProperty("id").GetInt64(), (await DetailAsync(id)).GetProperty("replays").EnumerateArray().Select(r => r.GetInt64()));

        // Edited through the API, then through the CLI's $EDITOR: the origin gets the edited bodies.
        replay = await Stack.Api.PostAsJsonAsync($"api/captures/{id}/replay", new { body = """{"action":"closed"}""", path = "/webhook/edited" });
        Assert.True(replay.IsSuccessStatusCode, await replay.Content.ReadAsStringAsync());
        var editor = Stack.TempPath($"editor-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(editor, "#!/bin/sh\nsed -i -e 's/opened/reopened/' -e 's#^POST /webhook/github#POST /webhook/from-editor#' \"$1\"\n");
        var env = Stack.CliEnvironment(Stack.AdminKey);
        env["EDITOR"] = $"sh {editor}"; // an editor with its arguments, as people set EDITOR="code -w"
        var (replayExit, replayOutput) = await TestProcess.RunDotnetAsync(Binaries.Connector, ["replay", id.ToString(), "--edit"], env);
        Assert.True(replayExit == 0, replayOutput);
        Assert.Contains($"Replayed capture {id}", replayOutput);
        var received = await ReceivedAsync(hostname);
        Assert.Contains("""edited {"action":"closed"}""", received);
        Assert.Contains(received, r => r.StartsWith("from-editor ", StringComparison.Ordinal) && r.Contains("\"reopened\""));
    }

    [Fact]
    public async Task Bodies_are_kept_to_the_limit_the_oldest_capture_goes_first_and_disabling_stops_at_once()
    {
        var (name, hostname) = await CapturingTunnelAsync();
        var upload = new byte[5 * 1024 * 1024];
        Random.Shared.NextBytes(upload);
        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.PostAsync(Stack.PublicUrl(hostname, "/sink"), new ByteArrayContent(upload))).StatusCode);
        var big = await DetailAsync((await WaitForAsync(name, "path=/sink", 1))[0].GetProperty("id").GetInt64());
        var kept = big.GetProperty("request").GetProperty("body");
        Assert.Equal((5L * 1024 * 1024, 1024 * 1024, true), (kept.GetProperty("size").GetInt64(), kept.GetProperty("kept").GetInt32(), kept.GetProperty("truncated").GetBoolean()));
        Assert.Equal("hex", kept.GetProperty("format").GetString());

        // 1,000 kept: the 1,001st pushes out the first.
        var first = (await ListAsync(name, "limit=500")).Min(i => i.GetProperty("id").GetInt64());
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                Assert.Equal(HttpStatusCode.OK, (await Stack.Public.GetAsync(Stack.PublicUrl(hostname, $"/small?n={i}"))).StatusCode);
            }
            finally
            {
                gate.Release();
            }
        }));
        await WaitForAsync(name, "path=n%3D999", 1);
        var all = await Eventually.Until(async () =>
        {
            var page = await ListAsync(name, "limit=500");
            var older = await ListAsync(name, $"limit=500&before={page[^1].GetProperty("id").GetInt64()}");
            var oldest = await ListAsync(name, $"limit=500&before={older[^1].GetProperty("id").GetInt64()}");
            return page.Concat(older).Concat(oldest).ToList();
        }, items => items.Count == 1000, TimeSpan.FromSeconds(15), "1,000 captures kept");
        Assert.DoesNotContain(all, i => i.GetProperty("id").GetInt64() == first);

        var (exit, output) = await Stack.CliAsync("inspect", name, "--disable");
        Assert.True(exit == 0, output);
        Assert.Contains("Capture is off", output);
        // At once: the next request after the change reached the edge is not captured. The config stream is pushed on change.
        await Eventually.Until(async () =>
        {
            var marker = Guid.NewGuid().ToString("N");
            await Stack.Public.GetAsync(Stack.PublicUrl(hostname, $"/small?after-off={marker}"));
            await Task.Delay(1500); // longer than the edge's capture hand-off; nothing to wait on for a capture that must not come
            return (await ListAsync(name, $"path={marker}")).Count;
        }, count => count == 0, TimeSpan.FromSeconds(10), "capture stopping");
    }

    [Fact]
    public async Task Viewers_read_masked_captures_but_may_not_replay_export_or_enable()
    {
        var (name, hostname) = await CapturingTunnelAsync();
        var viewerToken = (await (await Stack.Api.PostAsJsonAsync("api/tokens", new { name = $"v-{Guid.NewGuid():N}"[..20], role = "viewer" })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("token").GetString();
        using var viewer = Stack.ApiAs(viewerToken);

        // Full capture (an admin's audited choice) stores credentials as sent; a viewer still sees them masked.
        var full = await Stack.Api.PutAsJsonAsync($"api/tunnels/{name}/inspection", new { full = true });
        Assert.True(full.IsSuccessStatusCode, await full.Content.ReadAsStringAsync());
        var audit = await Stack.Api.GetStringAsync("api/audit?action=inspection.full_capture_on&limit=500");
        Assert.Contains(name, audit);
        await Eventually.Until(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Stack.PublicUrl(hostname, "/headers?full&token=sekret-url"));
            request.Headers.Authorization = new("Bearer", "sekret-full");
            await Stack.Public.SendAsync(request);
            return await ListAsync(name, "path=full");
        }, items => items.Any(i => !DetailAsync(i.GetProperty("id").GetInt64()).Result.GetProperty("redacted").GetBoolean()), TimeSpan.FromSeconds(15), "an unmasked capture");
        var unmasked = (await ListAsync(name, "path=full")).First(i => !DetailAsync(i.GetProperty("id").GetInt64()).Result.GetProperty("redacted").GetBoolean());
        var id = unmasked.GetProperty("id").GetInt64();
        Assert.Equal("Bearer sekret-full", Header((await DetailAsync(id)).GetProperty("request"), "Authorization"));
        var asViewer = await DetailAsync(id, viewer);
        Assert.Equal("Bearer [redacted]", Header(asViewer.GetProperty("request"), "Authorization"));
        Assert.DoesNotContain("sekret", asViewer.GetRawText());
        Assert.Contains("token=sekret-url", (await DetailAsync(id)).GetProperty("url").GetString());
        var listed = await ListAsync(name, "", viewer);
        Assert.NotEmpty(listed);
        Assert.DoesNotContain("sekret", string.Join('\n', listed.Select(i => i.GetRawText()))); // the list's URLs and paths too
        // Searching bodies stored unmasked would tell a viewer the masked value a character at a time: viewers do not search them.
        Assert.NotEmpty(await ListAsync(name, "q=sekret-full"));
        Assert.Empty(await ListAsync(name, "q=sekret-full", viewer));

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"api/captures/{id}/replay", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"api/tunnels/{name}/captures/har")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync($"api/tunnels/{name}/inspection", new { enabled = false })).StatusCode);
        var (exit, output) = await Stack.CliAsAsync(viewerToken!, "inspect", name, "--disable");
        Assert.NotEqual(0, exit);
        Assert.Contains("has the role 'viewer', which may only read", output); // the CLI says why, not only 403
        Assert.True((await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}/inspection")).GetProperty("enabled").GetBoolean());

        // Bad input: each refusal says what is wrong.
        var bad = await Stack.Api.PutAsJsonAsync($"api/tunnels/{name}/inspection", new { bodyLimitBytes = 10L * 1024 * 1024 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("bodyLimitBytes must be between 0 and", await bad.Content.ReadAsStringAsync());
        bad = await Stack.Api.PutAsJsonAsync($"api/tunnels/{name}/inspection", new { hostnames = new[] { "not-routed.example.com" } });
        Assert.Contains("is not routed to this tunnel", await bad.Content.ReadAsStringAsync());
        bad = await Stack.Api.PutAsJsonAsync($"api/tunnels/{name}/inspection", new { retention = "forever" });
        Assert.Contains("is not a duration", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.GetAsync($"api/tunnels/{name}/captures?status=2xy")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.PostAsJsonAsync("api/captures/999999999/replay", new { })).StatusCode);
    }

    [Fact]
    public async Task A_gzip_body_is_decoded_a_binary_one_shown_as_hex_and_a_websocket_recorded_without_frames()
    {
        var (name, hostname) = await CapturingTunnelAsync();
        // A body that claims Brotli and is not: its capture keeps the size only, and the edge goes on serving and capturing.
        var bogus = new ByteArrayContent("not brotli at all"u8.ToArray());
        bogus.Headers.ContentEncoding.Add("br");
        await Stack.Public.PostAsync(Stack.PublicUrl(hostname, "/echo?bogus-br"), bogus);
        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/gzip"))).StatusCode);
        var bogusBody = (await DetailAsync((await WaitForAsync(name, "path=bogus-br", 1))[0].GetProperty("id").GetInt64())).GetProperty("request").GetProperty("body");
        Assert.Equal((17L, 0, true), (bogusBody.GetProperty("size").GetInt64(), bogusBody.GetProperty("kept").GetInt32(), bogusBody.GetProperty("truncated").GetBoolean()));

        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/bytes/300"))).StatusCode);
        using (var socket = new ClientWebSocket())
        {
            using var invoker = new HttpMessageInvoker(Stack.PublicHandler());
            await socket.ConnectAsync(new Uri($"wss://{hostname}:{Stack.PublicPort}/ws"), invoker, CancellationToken.None);
            await socket.SendAsync("frame-not-captured"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await socket.ReceiveAsync(new byte[64], CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }

        var gzip = (await DetailAsync((await WaitForAsync(name, "path=/gzip", 1))[0].GetProperty("id").GetInt64())).GetProperty("response").GetProperty("body");
        Assert.Equal(("json", "gzip"), (gzip.GetProperty("format").GetString(), gzip.GetProperty("decodedFrom").GetString()));
        Assert.Contains("\"compressed\": true", gzip.GetProperty("text").GetString());

        var binary = (await DetailAsync((await WaitForAsync(name, "path=/bytes/300", 1))[0].GetProperty("id").GetInt64())).GetProperty("response").GetProperty("body");
        Assert.Equal(("hex", 300L), (binary.GetProperty("format").GetString(), binary.GetProperty("size").GetInt64()));
        Assert.StartsWith("00000000  00 01 02 03", binary.GetProperty("text").GetString());

        var ws = await DetailAsync((await WaitForAsync(name, "path=/ws", 1))[0].GetProperty("id").GetInt64());
        Assert.Equal(("websocket", 101), (ws.GetProperty("kind").GetString(), ws.GetProperty("status").GetInt32()));
        Assert.Equal("websocket", Header(ws.GetProperty("request"), "Upgrade"), ignoreCase: true);
        Assert.DoesNotContain("frame-not-captured", ws.GetRawText());
        var replay = await Stack.Api.PostAsJsonAsync($"api/captures/{ws.GetProperty("id").GetInt64()}/replay", new { });
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Contains("WebSocket session cannot be replayed", await replay.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Replays_meet_Access_unless_an_admin_bypasses_it_a_forged_ticket_bypasses_nothing_and_every_edge_captures()
    {
        var (name, hostname, token) = await CapturingTunnelWithTokenAsync();
        var app = await Stack.Api.PostAsJsonAsync("api/access/apps", new
        {
            name = $"svc-{hostname}", domains = new[] { hostname }, sessionMinutes = 60,
            policies = new[] { new { name = "machines", action = "service_auth", include = new[] { new { anyServiceToken = true } } } },
        });
        Assert.True(app.IsSuccessStatusCode, await app.Content.ReadAsStringAsync());
        var tokenName = $"hook-{Guid.NewGuid():N}"[..16];
        var created = await (await Stack.Api.PostAsJsonAsync("api/access/service-tokens", new { name = tokenName })).Content.ReadFromJsonAsync<JsonElement>();
        var clientId = created.GetProperty("info").GetProperty("clientId").GetString()!;
        var secret = created.GetProperty("clientSecret").GetString()!;
        HttpRequestMessage Signed(HttpMethod method, Uri url, string? ticket = null)
        {
            var request = new HttpRequestMessage(method, url);
            if (method == HttpMethod.Post)
            {
                request.Content = new StringContent("{\"ping\":1}", Encoding.UTF8, "application/json");
            }

            request.Headers.Add("Tunnel-Access-Client-Id", clientId);
            request.Headers.Add("Tunnel-Access-Client-Secret", secret);
            if (ticket is not null)
            {
                request.Headers.Add("Tunnel-Replay-Ticket", ticket);
            }

            return request;
        }

        async Task<int> ReceivedSvcAsync() => (await (await Stack.Public.SendAsync(Signed(HttpMethod.Get, Stack.PublicUrl(hostname, "/webhook/received"))))
            .Content.ReadFromJsonAsync<string[]>())!.Count(r => r.StartsWith("svc ", StringComparison.Ordinal));

        await Eventually.Until(() => Stack.Public.PostAsync(Stack.PublicUrl(hostname, "/webhook/anon"), new StringContent("x")), r => r.StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the edge enforcing the application");
        await Eventually.Until(() => Stack.Public.SendAsync(Signed(HttpMethod.Post, Stack.PublicUrl(hostname, "/webhook/svc"))), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10), "the service token admitted");
        var id = (await WaitForAsync(name, "path=/webhook/svc&status=2xx", 1))[0].GetProperty("id").GetInt64();
        var detail = await DetailAsync(id);
        Assert.Equal($"service token {tokenName}", detail.GetProperty("identity").GetString());
        Assert.Equal("[redacted]", Header(detail.GetProperty("request"), "Tunnel-Access-Client-Secret"));
        Assert.DoesNotContain(secret, detail.GetRawText());
        var received = await ReceivedSvcAsync();

        // Through the edge, the masked secret is not sent: Access refuses the replay. Bypassing Access (an admin's choice), it arrives.
        var refused = await (await Stack.Api.PostAsJsonAsync($"api/captures/{id}/replay", new { })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(401, refused.GetProperty("status").GetInt32());
        Assert.Equal(received, await ReceivedSvcAsync());
        var bypass = await Stack.Api.PostAsJsonAsync($"api/captures/{id}/replay", new { bypassAccess = true });
        var bypassed = await bypass.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(bypass.IsSuccessStatusCode, bypassed.GetRawText());
        Assert.Equal(200, bypassed.GetProperty("status").GetInt32());
        Assert.Contains("Access bypassed", bypassed.GetProperty("via").GetString());
        Assert.Equal(received + 1, await ReceivedSvcAsync());
        var audit = await Stack.Api.GetStringAsync("api/audit?action=capture.replay&limit=500");
        Assert.Contains($"capture {id} (POST /webhook/svc) replayed straight to the tunnel's connector (Access bypassed)", audit);

        // A ticket from outside (from loopback too, whatever its value) is taken off the request and counts for nothing.
        using var forged = new HttpRequestMessage(HttpMethod.Post, Stack.PublicUrl(hostname, "/webhook/forged")) { Content = new StringContent("x") };
        forged.Headers.Add("Tunnel-Replay-Ticket", SecretLike());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Stack.Public.SendAsync(forged)).StatusCode);
        var echoed = await Stack.Public.SendAsync(Signed(HttpMethod.Get, Stack.PublicUrl(hostname, "/headers"), SecretLike()));
        Assert.Equal(HttpStatusCode.OK, echoed.StatusCode);
        Assert.DoesNotContain("Tunnel-Replay-Ticket", await echoed.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        // The same on raw HTTP/1.1, where no client library tidies the header: lowercase, twice, with odd spacing.
        foreach (var lines in new[] { new[] { "tunnel-replay-ticket: " + SecretLike() }, new[] { "Tunnel-Replay-Ticket: a", "TUNNEL-REPLAY-TICKET:b" },
                     new[] { "Tunnel-Replay-Ticket:   " + SecretLike() + "   " } })
        {
            var raw = await RawHttp1Client.GetAsync(Stack.PublicPort, hostname, "/headers", lines);
            Assert.Equal(401, raw.Status);
        }

        // A connector started while capture is on prints where the inspector is.
        var second = Stack.StartConnector(token);
        var output = await Eventually.Until(() => Task.FromResult(second.Output), o => o.Contains("Traffic inspector:"), TimeSpan.FromSeconds(15), "the inspector's URL printed");
        Assert.Contains("/inspect", output[output.IndexOf("Traffic inspector:", StringComparison.Ordinal)..]);

        // Another edge's captures land in the same list.
        var edgeB = await Stack.AddEdgeAsync($"edge-b-{Guid.NewGuid():N}"[..16]);
        using var viaB = Stack.PublicClient(Stack.EdgeCa);
        await Eventually.Until(() => viaB.SendAsync(Signed(HttpMethod.Post, new Uri($"https://{hostname}:{edgeB.PublicPort}/webhook/via-b"))),
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "edge B serving the tunnel");
        var viaBCapture = (await WaitForAsync(name, "path=/webhook/via-b&status=2xx", 1))[0];
        Assert.Equal(edgeB.Id, viaBCapture.GetProperty("edgeId").GetString());

        static string SecretLike() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    }
}

public sealed class InspectorOnSqliteTests(SqliteStackFixture fixture) : InspectorTests(fixture), IClassFixture<SqliteStackFixture>;

public sealed class InspectorOnPostgresTests(PostgresStackFixture fixture) : InspectorTests(fixture), IClassFixture<PostgresStackFixture>;
