using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.Tunnels;

/// <summary>The tunnel core through real processes; run once per store (SQLite and Postgres).</summary>
public abstract class TunnelCoreTests(StackFixture fixture)
{
    private TunnelStack Stack => fixture.Stack;

    [Fact]
    public async Task Get_and_a_10_MiB_post_go_through_byte_exact()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        var hello = await Stack.Public.GetStringAsync(Stack.PublicUrl(hostname));
        Assert.Contains($"You reached {hostname}:{Stack.PublicPort}", hello); // the origin sees the public Host

        var body = RandomNumberGenerator.GetBytes(10 * 1024 * 1024);
        using var response = await Stack.Public.PostAsync(Stack.PublicUrl(hostname, "/echo"), new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());

        var download = await Stack.Public.GetByteArrayAsync(Stack.PublicUrl(hostname, "/bytes/3000000"));
        Assert.Equal(3_000_000, download.Length);
        Assert.True(download.Select((b, i) => b == (byte)(i % 251)).All(x => x));
    }

    [Fact]
    public async Task Four_connections_register_and_show_in_the_api()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        var connections = await Eventually.Until(
            () => Stack.Api.GetFromJsonAsync<JsonElement[]>($"api/tunnels/{name}/connections"),
            c => c!.Length == 4, TimeSpan.FromSeconds(10), "4 connections in the API");
        Assert.Equal([0, 1, 2, 3], connections!.Select(c => c.GetProperty("connectionIndex").GetInt32()).Order());
        Assert.All(connections!, c => Assert.Equal($"edge-{Stack.PublicPort}", c.GetProperty("edgeId").GetString()));
        Assert.Single(connections!.Select(c => c.GetProperty("connectorId").GetString()).Distinct());

        var tunnel = await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}");
        Assert.Equal(4, tunnel.GetProperty("connections").GetInt32());
        Assert.Equal(hostname, tunnel.GetProperty("hostnames")[0].GetString());
    }

    [Fact]
    public async Task Requests_are_still_served_when_one_connection_is_cut()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        await using var proxy = new TcpFaultProxy(Stack.ConnectorPort);
        var connector = Stack.StartConnector(token, "--edge", $"https://localhost:{proxy.Port}");
        await Stack.WaitServedAsync(hostname);
        await Eventually.Until(() => Task.FromResult(proxy.OpenConnections), n => n == 4, TimeSpan.FromSeconds(10), "4 connections through the relay");

        Assert.True(proxy.CutOne());
        for (var i = 0; i < 40; i++)
        {
            using var response = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small"));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"request {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // The cut connection comes back by itself.
        await Eventually.Until(() => Task.FromResult(proxy.OpenConnections), n => n == 4, TimeSpan.FromSeconds(15), "the connection re-established");
        Assert.False(connector.HasExited);
    }

    [Fact]
    public async Task A_killed_connector_gives_a_503_within_5_s_and_a_restarted_one_serves_again()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var connector = Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);

        var killedAt = DateTime.UtcNow;
        await connector.KillAsync();
        // While the connections die, a request may still catch one of them aborting; within 5 s the page must say why.
        var page = await Eventually.Until(async () =>
            {
                using var response = await Stack.Public.GetAsync(Stack.PublicUrl(hostname, "/small"));
                return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            },
            p => p.StartsWith("503 ", StringComparison.Ordinal) && p.Contains("no connector"), TimeSpan.FromSeconds(5), "a 503 saying no connector is online");
        Assert.InRange(DateTime.UtcNow - killedAt, TimeSpan.Zero, TimeSpan.FromSeconds(6));
        Assert.Contains($"Tunnel '{name}'", page);

        Stack.StartConnector(token);
        await Stack.WaitServedAsync(hostname);
    }

    [Fact]
    public async Task An_unknown_hostname_gets_a_404_naming_it()
    {
        using var response = await Stack.Public.GetAsync(Stack.PublicUrl("nobody-routed-this.localhost"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nobody-routed-this.localhost", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_origin_that_is_down_gives_a_502_whose_reason_stays_in_the_edges_log()
    {
        var (_, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var deadPort = Ports.Free();
        Stack.StartConnector(token, "--url", $"http://127.0.0.1:{deadPort}");
        var response = await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname)),
            r => r.StatusCode == HttpStatusCode.BadGateway, TimeSpan.FromSeconds(20), "502 from a dead origin");
        var page = await response.Content.ReadAsStringAsync();
        // An anonymous client learns what failed and the id to quote, not the origin's internal address.
        Assert.Contains("could not be reached", page);
        Assert.DoesNotContain(deadPort.ToString(System.Globalization.CultureInfo.InvariantCulture), page);
        var requestId = response.Headers.GetValues("X-Tunnel-Error").Single() == "origin_unreachable" ? page.Split("request id ")[1].Split('.')[0] : "";
        await Eventually.Until(() => Task.FromResult(Stack.Edge!.Output), o => o.Contains($"connection refused by http://127.0.0.1:{deadPort}") && o.Contains(requestId),
            TimeSpan.FromSeconds(5), "the connector's reason in the edge's log under the request id");
    }

    [Fact]
    public async Task A_wrong_token_is_refused_and_the_connector_exits_non_zero()
    {
        var (_, token) = await Stack.CreateTunnelAsync($"t-{Guid.NewGuid():N}"[..12]);
        var decoded = JsonSerializer.Deserialize<JsonElement>(System.Buffers.Text.Base64Url.DecodeFromChars(token));
        var forged = new Shared.Security.TunnelToken(Guid.Parse(decoded.GetProperty("t").GetString()!), "wrong-secret", decoded.GetProperty("e").GetString()!).Encode();

        var connector = Stack.StartConnector(forged);
        await connector.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, connector.ExitCode);
        Assert.Contains("tunnel token refused", connector.Output);
    }

    [Fact]
    public async Task Duplicate_and_malformed_hostnames_and_unknown_tunnels_get_precise_errors()
    {
        var (name, hostname, _) = await Stack.NewRoutedTunnelAsync();
        var (other, _) = await Stack.CreateTunnelAsync($"t-{Guid.NewGuid():N}"[..12]);

        var duplicate = await Stack.Api.PostAsJsonAsync($"api/tunnels/{other}/hostnames", new { hostname = hostname.ToUpperInvariant() });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Contains($"already routed to tunnel '{name}'", (await duplicate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var malformed = await Stack.Api.PostAsJsonAsync($"api/tunnels/{other}/hostnames", new { hostname = "bad_host..example" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);

        var unknown = await Stack.Api.PostAsJsonAsync("api/tunnels/no-such-tunnel/hostnames", new { hostname = "x.example.com" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var duplicateName = await Stack.Api.PostAsJsonAsync("api/tunnels", new { name });
        Assert.Equal(HttpStatusCode.Conflict, duplicateName.StatusCode);

        var injection = await Stack.Api.PostAsJsonAsync("api/tunnels", new { name = "x'; DROP TABLE tunnels; --" });
        Assert.Equal(HttpStatusCode.BadRequest, injection.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Stack.Api.GetAsync($"api/tunnels/{name}")).StatusCode);
    }

    [Fact]
    public async Task The_api_refuses_calls_without_the_admin_key()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Stack.Api.BaseAddress!, "api/tunnels"));
        using var handler = new SocketsHttpHandler();
        Shared.Security.TrustedCertificates.Apply(handler.SslOptions, Stack.ControlPlaneCa);
        using var noKey = new HttpClient(handler);
        var response = await noKey.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("TUNNEL_API_KEY", await response.Content.ReadAsStringAsync());

        noKey.DefaultRequestHeaders.Authorization = new("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await noKey.GetAsync(new Uri(Stack.Api.BaseAddress!, "api/tunnels"))).StatusCode);
    }

    [Fact]
    public async Task The_cli_creates_lists_routes_prints_tokens_and_deletes()
    {
        var name = $"cli-{Guid.NewGuid():N}"[..12];
        var hostname = $"{name}.localhost";

        var create = await Stack.CliAsync("create", name);
        Assert.True(create.ExitCode == 0, create.Output);
        Assert.Contains($"Created tunnel {name}", create.Output);

        var route = await Stack.CliAsync("route", "dns", name, hostname);
        Assert.True(route.ExitCode == 0, route.Output);
        var again = await Stack.CliAsync("route", "dns", name, hostname); // the same route again is a no-op
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("already routed", again.Output);

        var list = await Stack.CliAsync("list");
        Assert.Contains(name, list.Output);
        Assert.Contains(hostname, list.Output);

        var token = await Stack.CliAsync("token", name);
        Assert.Equal(0, token.ExitCode);
        Stack.StartConnector(token.Output.Trim());
        await Stack.WaitServedAsync(hostname);

        var delete = await Stack.CliAsync("delete", name);
        Assert.Equal(0, delete.ExitCode);
        var missing = await Stack.CliAsync("token", name);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains($"no tunnel named or with id '{name}'", missing.Output);
        await Eventually.Until(() => Stack.Public.GetAsync(Stack.PublicUrl(hostname)), r => r.StatusCode == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(10), "deleted tunnel's hostname unrouted");
    }

}

public sealed class TunnelCoreOnSqliteTests(SqliteStackFixture fixture) : TunnelCoreTests(fixture), IClassFixture<SqliteStackFixture>;

public sealed class TunnelCoreOnPostgresTests(PostgresStackFixture fixture) : TunnelCoreTests(fixture), IClassFixture<PostgresStackFixture>;
