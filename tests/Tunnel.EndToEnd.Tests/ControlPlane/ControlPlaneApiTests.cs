using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>The control plane's API as automation uses it: tokens and roles, the full tunnel lifecycle, audit, paging, bad input.</summary>
public abstract class ControlPlaneApiTests(StackFixture fixture)
{
    private TunnelStack Stack => fixture.Stack;

    private async Task<(string Id, string Token)> CreateApiTokenAsync(string role, string? name = null)
    {
        var response = await Stack.Api.PostAsJsonAsync("api/tokens", new { name = name ?? $"{role}-{Guid.NewGuid():N}"[..16], role });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("info").GetProperty("id").GetString()!, body.GetProperty("token").GetString()!);
    }

    [Fact]
    public async Task A_viewer_token_reads_but_may_not_change_anything_or_see_secrets()
    {
        var (name, _, _) = await Stack.NewRoutedTunnelAsync();
        var (_, viewerToken) = await CreateApiTokenAsync("viewer");
        using var viewer = Stack.ApiAs(viewerToken);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("api/tunnels")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"api/tunnels/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("api/audit")).StatusCode);

        var create = await viewer.PostAsJsonAsync("api/tunnels", new { name = "viewer-made" });
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal("application/problem+json", create.Content.Headers.ContentType?.MediaType);
        Assert.Contains("admin", await create.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"api/tunnels/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"api/tunnels/{name}/rotate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"api/tunnels/{name}/token")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("api/tokens", new { name = "escalate", role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Stack.Api.GetAsync($"api/tunnels/{name}")).StatusCode);
    }

    [Fact]
    public async Task An_api_token_is_shown_once_stored_hashed_tracked_and_revocable()
    {
        var tokenName = $"ci-{Guid.NewGuid():N}"[..12];
        var (id, token) = await CreateApiTokenAsync("admin", tokenName);
        Assert.StartsWith("tnl_", token);
        using var admin = Stack.ApiAs(token);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("api/tunnels", new { name = $"by-{tokenName}" })).StatusCode);

        var listed = await Stack.Api.GetStringAsync("api/tokens");
        Assert.DoesNotContain(token, listed);
        var info = JsonDocument.Parse(listed).RootElement.EnumerateArray().Single(t => t.GetProperty("id").GetString() == id);
        Assert.Equal(token[..8], info.GetProperty("prefix").GetString());
        Assert.NotEqual(JsonValueKind.Null, info.GetProperty("lastUsedAt").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await Stack.Api.DeleteAsync($"api/tokens/{id}")).StatusCode);
        var refused = await admin.GetAsync("api/tunnels");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("revoked", await refused.Content.ReadAsStringAsync());

        using var anonymous = Stack.ApiAs(null);
        var none = await anonymous.GetAsync("api/tunnels");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("Authorization: Bearer", await none.Content.ReadAsStringAsync());
        using var forged = Stack.ApiAs("tnl_" + new string('A', 43));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("api/tunnels")).StatusCode);
    }

    [Fact]
    public async Task Rotating_a_secret_disconnects_old_connectors_within_5_s_and_the_new_token_serves()
    {
        var (name, hostname, oldToken) = await Stack.NewRoutedTunnelAsync();
        var old = Stack.StartConnector(oldToken);
        await Stack.WaitServedAsync(hostname);

        var rotated = await Stack.Api.PostAsync($"api/tunnels/{name}/rotate", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var rotatedAt = DateTime.UtcNow;
        var newToken = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        Assert.NotEqual(oldToken, newToken);

        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small")),
            r => r.StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5), "old connector disconnected");
        Assert.InRange(DateTime.UtcNow - rotatedAt, TimeSpan.Zero, TimeSpan.FromSeconds(6));
        await old.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, old.ExitCode);
        Assert.Contains("token refused", old.Output);

        Stack.StartConnector(newToken);
        await Stack.WaitServedAsync(hostname);
    }

    [Fact]
    public async Task A_renamed_tunnel_keeps_its_id_hostnames_and_connectors()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
        var newName = $"{name}-renamed";

        var renamed = await Stack.Api.PatchAsJsonAsync($"api/tunnels/{name}", new { name = newName });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(newName, (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.GetAsync($"api/tunnels/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small"))).StatusCode);

        var (other, _, _) = await Stack.NewRoutedTunnelAsync();
        Assert.Equal(HttpStatusCode.Conflict, (await Stack.Api.PatchAsJsonAsync($"api/tunnels/{other}", new { name = newName })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.PatchAsJsonAsync($"api/tunnels/{other}", new { name = "Bad Name!" })).StatusCode);
    }

    [Fact]
    public async Task The_audit_log_says_who_did_what_from_where_and_never_holds_a_secret()
    {
        var tokenName = $"audit-{Guid.NewGuid():N}"[..14];
        var (_, apiToken) = await CreateApiTokenAsync("admin", tokenName);
        using var api = Stack.ApiAs(apiToken);
        var name = $"a-{Guid.NewGuid():N}"[..12];
        var created = await (await api.PostAsJsonAsync("api/tunnels", new { name })).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString()!;
        var tunnelToken = created.GetProperty("token").GetString()!;
        await api.PostAsJsonAsync($"api/tunnels/{name}/hostnames", new { hostname = $"{name}.localhost" });
        var rotatedToken = (await (await api.PostAsync($"api/tunnels/{name}/rotate", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        await api.DeleteAsync($"api/tunnels/{name}");

        var page = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/audit?tunnel={id}");
        var events = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["tunnel.delete", "tunnel.rotate_secret", "hostname.route", "tunnel.create"], events.Select(e => e.GetProperty("action").GetString()));
        Assert.All(events, e =>
        {
            Assert.Equal($"token:{tokenName}", e.GetProperty("actor").GetString());
            Assert.Equal("127.0.0.1", e.GetProperty("remoteAddress").GetString());
        });

        var everything = await Stack.Api.GetStringAsync("api/audit?limit=500");
        foreach (var secret in new[] { apiToken, tunnelToken, rotatedToken, Stack.AdminKey })
        {
            Assert.DoesNotContain(secret, everything);
            Assert.DoesNotContain(secret, Stack.ControlPlane!.Output);
        }
    }

    [Fact]
    public async Task A_tunnel_token_cannot_act_on_the_api_or_take_another_tunnels_traffic()
    {
        var (_, hostnameA, tokenA) = await Stack.NewRoutedTunnelAsync();
        var (_, hostnameB, _) = await Stack.NewRoutedTunnelAsync();
        using var asTunnel = Stack.ApiAs(tokenA);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asTunnel.GetAsync("api/tunnels")).StatusCode);

        // A's connector claims B's hostname in its ingress; the edge still sends B's traffic only to B's connectors.
        var config = Stack.TempPath($"steal-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(config, $"""
            ingress:
              - hostname: {hostnameB}
                service: http://127.0.0.1:{Stack.OriginPort}
              - service: http://127.0.0.1:{Stack.OriginPort}
            """);
        Stack.StartConnector(tokenA, "--config", config);
        await Stack.WaitServedAsync(hostnameA);
        using var stolen = await Stack.Public.GetAsync(Stack.PublicUrl(hostnameB, "/small"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stolen.StatusCode);
        Assert.DoesNotContain(tokenA, Stack.Edge!.Output);
    }

    [Fact]
    public async Task Ingress_managed_in_the_control_plane_reaches_a_connector_started_with_only_its_token()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var second = $"second-{name}.localhost";
        await Stack.RouteAsync(name, second);
        var origin = $"http://127.0.0.1:{Stack.OriginPort}";

        var noCatchAll = await Stack.Api.PutAsJsonAsync($"api/tunnels/{name}/ingress", new { rules = new[] { new { hostname, service = origin } } });
        Assert.Equal(HttpStatusCode.BadRequest, noCatchAll.StatusCode);
        Assert.Contains("last rule must match all URLs", await noCatchAll.Content.ReadAsStringAsync());
        var badService = await Stack.Api.PutAsJsonAsync($"api/tunnels/{name}/ingress", new { rules = new[] { new { service = "ftp://x" } } });
        Assert.Contains("rule #1", await badService.Content.ReadAsStringAsync());

        var set = await Stack.Api.PutAsJsonAsync($"api/tunnels/{name}/ingress", new
        {
            rules = new object[] { new { hostname = hostname.ToUpperInvariant(), service = origin }, new { hostname = second, service = "http_status:418" }, new { service = "http_status:404" } },
        });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.True((await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("remotelyManaged").GetBoolean());

        var connector = Stack.StartRemotelyManagedConnector(token);
        try
        {
            await Stack.WaitServedAsync(hostname);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nconnector: {connector.Output}");
        }
        Assert.Equal((HttpStatusCode)418, (await Stack.Public.GetAsync(Stack.PublicUrl(second, "/small"))).StatusCode);

        // A change reaches the running connector and the edge without a restart.
        var cli = await Stack.CliAsync("ingress", "show", name);
        Assert.Contains("http_status:418", cli.Output);
        var config = Stack.TempPath($"ingress-{name}.yml");
        await File.WriteAllTextAsync(config, $"""
            ingress:
              - hostname: {second}
                service: {origin}
              - service: http_status:404
            """);
        var update = await Stack.CliAsync("ingress", "set", name, config);
        Assert.True(update.ExitCode == 0, update.Output);
        await Stack.WaitServedAsync(second);
        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small")), r => r.StatusCode == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(10), "the first hostname falls to the new catch-all");
        Assert.Contains("ingress rules from the control plane", connector.Output);

        // Handed back to a connector that has no rules of its own: nothing is served, and the page says why.
        Assert.Equal(0, (await Stack.CliAsync("ingress", "local", name)).ExitCode);
        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(second, "/small")), r => r.StatusCode == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(10), "no rules after handing ingress back");
        Assert.False(connector.HasExited);
    }

    [Fact]
    public async Task The_cli_manages_api_tokens_and_user_roles()
    {
        var name = $"cli-{Guid.NewGuid():N}"[..14];
        var created = await Stack.CliAsync("tokens", "create", name, "--role", "viewer", "-o", "json");
        Assert.True(created.ExitCode == 0, created.Output);
        var json = JsonDocument.Parse(created.Output).RootElement;
        var token = json.GetProperty("token").GetString()!;
        var id = json.GetProperty("info").GetProperty("id").GetString()!;

        var asViewer = await Stack.CliAsAsync(token, "list");
        Assert.True(asViewer.ExitCode == 0, asViewer.Output);
        var list = await Stack.CliAsync("tokens", "list");
        Assert.Contains(name, list.Output);
        Assert.DoesNotContain(token, list.Output);
        Assert.Equal(0, (await Stack.CliAsync("tokens", "revoke", id)).ExitCode);
        var revoked = await Stack.CliAsAsync(token, "list");
        Assert.Equal(1, revoked.ExitCode);
        Assert.Contains("revoked", revoked.Output);

        var login = $"{name}@example.com";
        Assert.Equal(0, (await Stack.CliAsync("users", "role", login, "admin")).ExitCode);
        Assert.Contains(login, (await Stack.CliAsync("users", "list")).Output);
        var users = await Stack.Api.GetFromJsonAsync<JsonElement>("api/users");
        var user = users.EnumerateArray().Single(u => u.GetProperty("login").GetString() == login);
        Assert.Equal("admin", user.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, user.GetProperty("lastSeenAt").ValueKind); // given a role, never signed in
        Assert.NotEqual(0, (await Stack.CliAsync("users", "role", login, "root")).ExitCode);
    }

    [Fact]
    public async Task Lists_page_with_a_cursor_and_filter_by_name()
    {
        var prefix = $"p{Guid.NewGuid():N}"[..9];
        for (var i = 0; i < 5; i++)
        {
            await Stack.CreateTunnelAsync($"{prefix}-{i}");
        }

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels?name={prefix}&limit=2{(after is null ? "" : $"&after={after}")}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("name").GetString()!));
            after = page.GetProperty("next").GetString();
            pages++;
        }
        while (after is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{prefix}-{i}"), seen);
        Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.GetAsync("api/tunnels?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.GetAsync("api/tunnels?status=sideways")).StatusCode);

        var down = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels?name={prefix}&status=down");
        Assert.Equal(5, down.GetProperty("items").GetArrayLength());
        var healthy = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels?name={prefix}&status=healthy");
        Assert.Equal(0, healthy.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Injection_and_traversal_attempts_in_string_parameters_are_refused_or_harmless()
    {
        var (name, _, _) = await Stack.NewRoutedTunnelAsync();
        string[] attacks = ["' OR '1'='1", "x'; DROP TABLE tunnels; --", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%00", "<script>alert(1)</script>"];
        foreach (var attack in attacks)
        {
            var escaped = Uri.EscapeDataString(attack);
            var get = await Stack.Api.GetAsync($"api/tunnels/{escaped}");
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
            Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);

            var filtered = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels?name={escaped}");
            Assert.Equal(0, filtered.GetProperty("items").GetArrayLength());
            Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.PostAsJsonAsync("api/tunnels", new { name = attack })).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.PostAsJsonAsync($"api/tunnels/{name}/hostnames", new { hostname = attack })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await Stack.Api.DeleteAsync($"api/hostnames/{escaped}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Stack.Api.GetAsync($"api/audit?actor={escaped}")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await Stack.Api.GetAsync($"api/tunnels/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.PostAsJsonAsync($"api/tunnels/{name}/hostnames", new { hostname = "*.*.example.com" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Stack.Api.PostAsJsonAsync($"api/tunnels/{name}/hostnames", new { hostname = new string('a', 64) + ".example.com" })).StatusCode);
        var idn = await Stack.Api.PostAsJsonAsync($"api/tunnels/{name}/hostnames", new { hostname = $"bücher-{name}.localhost" });
        Assert.Equal(HttpStatusCode.Created, idn.StatusCode);
        var punycode = (await idn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("hostname").GetString()!;
        Assert.StartsWith("xn--", punycode);
        // The edge routes it (its tunnel has no connector: 503, not 404) and keeps routing everyone else.
        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(punycode)), r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(10), "the IDN hostname routed at the edge");
        var (_, fresh, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(fresh);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        using var anonymous = Stack.ApiAs(null);
        var document = await anonymous.GetFromJsonAsync<JsonElement>("api/openapi.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/tunnels", paths);
        Assert.Contains("/api/tunnels/{tunnel}/rotate", paths);
        Assert.Contains("/api/audit", paths);
        Assert.Contains("/api/tokens", paths);
    }

    [Fact]
    public async Task The_cli_renames_rotates_unroutes_and_prints_json()
    {
        var name = $"j-{Guid.NewGuid():N}"[..12];
        Assert.Equal(0, (await Stack.CliAsync("create", name)).ExitCode);
        Assert.Equal(0, (await Stack.CliAsync("route", "dns", name, $"{name}.localhost")).ExitCode);

        var json = await Stack.CliAsync("list", "--name", name, "--output", "json");
        Assert.True(json.ExitCode == 0, json.Output);
        var listed = JsonDocument.Parse(json.Output).RootElement.EnumerateArray().Single();
        Assert.Equal(name, listed.GetProperty("name").GetString());
        Assert.Equal("down", listed.GetProperty("status").GetString());

        var renamed = await Stack.CliAsync("rename", name, $"{name}-b");
        Assert.True(renamed.ExitCode == 0, renamed.Output);
        var rotated = await Stack.CliAsync("rotate", $"{name}-b", "-o", "json");
        Assert.True(rotated.ExitCode == 0, rotated.Output);
        Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(rotated.Output).RootElement.GetProperty("token").GetString()));
        Assert.Equal(0, (await Stack.CliAsync("route", "delete", $"{name}.localhost")).ExitCode);
        var routes = await Stack.CliAsync("route", "list", "--tunnel", $"{name}-b", "-o", "json");
        Assert.Equal(0, JsonDocument.Parse(routes.Output).RootElement.GetArrayLength());

        var audit = await Stack.CliAsync("audit", "--tunnel", $"{name}-b");
        Assert.True(audit.ExitCode == 0, audit.Output);
        Assert.Contains("tunnel.rename", audit.Output);
        Assert.Contains("hostname.unroute", audit.Output);

        var bad = await Stack.CliAsync("list", "-o", "yaml");
        Assert.NotEqual(0, bad.ExitCode);
        var (_, viewer) = await CreateApiTokenAsync("viewer");
        var denied = await Stack.CliAsAsync(viewer, "delete", $"{name}-b");
        Assert.Equal(1, denied.ExitCode);
        Assert.Contains("needs an admin token", denied.Output);
    }
}

public sealed class ControlPlaneApiOnSqliteTests(SqliteStackFixture fixture) : ControlPlaneApiTests(fixture), IClassFixture<SqliteStackFixture>;

public sealed class ControlPlaneApiOnPostgresTests(PostgresStackFixture fixture) : ControlPlaneApiTests(fixture), IClassFixture<PostgresStackFixture>;
