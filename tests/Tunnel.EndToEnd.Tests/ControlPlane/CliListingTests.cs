using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tunnel.EndToEnd.Tests.Infrastructure;

namespace Tunnel.EndToEnd.Tests.ControlPlane;

/// <summary>
/// What `tunnel` lists and answers, read from a real control plane (and edge): token status and expiry, users never
/// signed in, connections by name, `info` without connectors, names accepted where ids were, idempotent routes.
/// </summary>
public class CliListingTests(SqliteStackFixture fixture) : IClassFixture<SqliteStackFixture>
{
    private TunnelStack Stack => fixture.Stack;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private static string Row(string table, string name) =>
        table.Split('\n').SingleOrDefault(l => l.Contains($" {name} ", StringComparison.Ordinal)) ?? throw new Xunit.Sdk.XunitException($"no row for {name} in:\n{table}");

    /// <summary>Moves a token's expiry into the past in the control plane's own database (no API sets a past expiry).</summary>
    private async Task ExpireAsync(string table, string name)
    {
        // Not pooled: nothing of the test keeps the control plane's database file open afterwards.
        var database = new SqliteConnectionStringBuilder
        {
            DataSource = Stack.TempPath(Path.Combine("controlplane", "controlplane.db")),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        };
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var update = connection.CreateCommand();
        // EF Core's SQLite provider stores DateTimeOffset as this text.
        update.CommandText = $"UPDATE {table} SET ExpiresAt = '2020-01-01 00:00:00+00:00' WHERE Name = $name";
        update.Parameters.AddWithValue("$name", name);
        Assert.Equal(1, await update.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task Tokens_list_shows_the_expiry_and_whether_each_token_is_active_expired_or_revoked()
    {
        var (active, expired, revoked, forever) = (Unique("active"), Unique("expired"), Unique("revoked"), Unique("forever"));
        foreach (var name in new[] { active, expired, revoked })
        {
            Assert.Equal(0, (await Stack.CliAsync("tokens", "create", name, "--expires-in-days", "2")).ExitCode);
        }

        Assert.Equal(0, (await Stack.CliAsync("tokens", "create", forever)).ExitCode);
        await ExpireAsync("api_tokens", expired);
        var revoke = await Stack.CliAsync("tokens", "revoke", revoked); // by name
        Assert.True(revoke.ExitCode == 0, revoke.Output);

        var (code, table) = await Stack.CliAsync("tokens", "list");
        Assert.Equal(0, code);
        Assert.Contains("EXPIRES", table);
        Assert.EndsWith("active", Row(table, active).TrimEnd());
        Assert.Contains(DateTimeOffset.UtcNow.AddDays(2).ToString("yyyy-MM-dd"), Row(table, active));
        Assert.EndsWith("expired", Row(table, expired).TrimEnd());
        Assert.Contains("2020-01-01 00:00:00", Row(table, expired));
        Assert.EndsWith("revoked", Row(table, revoked).TrimEnd());
        Assert.Contains("never", Row(table, forever));
    }

    [Fact]
    public async Task Service_tokens_list_shows_expiry_and_status_and_revoke_takes_a_name()
    {
        var (active, expired) = (Unique("svc-active"), Unique("svc-expired"));
        Assert.Equal(0, (await Stack.CliAsync("access", "service-tokens", "create", active)).ExitCode);
        Assert.Equal(0, (await Stack.CliAsync("access", "service-tokens", "create", expired, "--expires-in-days", "1")).ExitCode);
        await ExpireAsync("service_tokens", expired);

        var (_, table) = await Stack.CliAsync("access", "service-tokens", "list");
        Assert.Contains("EXPIRES", table);
        Assert.Contains("never", Row(table, active));
        Assert.EndsWith("active", Row(table, active).TrimEnd());
        Assert.EndsWith("expired", Row(table, expired).TrimEnd());

        var revoke = await Stack.CliAsync("access", "service-tokens", "revoke", active);
        Assert.True(revoke.ExitCode == 0, revoke.Output);
        Assert.EndsWith("revoked", Row((await Stack.CliAsync("access", "service-tokens", "list")).Output, active).TrimEnd());

        // The client id, which the list shows and policies name, identifies a token too.
        var byClientId = Unique("svc-client");
        var created = await Stack.CliAsync("access", "service-tokens", "create", byClientId);
        var clientId = created.Output.Split('\n').Single(l => l.StartsWith("Tunnel-Access-Client-Id: ", StringComparison.Ordinal))["Tunnel-Access-Client-Id: ".Length..].Trim();
        var revokedById = await Stack.CliAsync("access", "service-tokens", "revoke", clientId);
        Assert.True(revokedById.ExitCode == 0, revokedById.Output);
        Assert.EndsWith("revoked", Row((await Stack.CliAsync("access", "service-tokens", "list")).Output, byClientId).TrimEnd());
    }

    [Fact]
    public async Task Plain_http_to_the_https_control_plane_says_to_use_https()
    {
        var http = $"http://127.0.0.1:{Stack.ControlPlanePort}";
        var result = await Stack.CliAsync("list", "--api", http);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"it most likely serves https; use --api https://127.0.0.1:{Stack.ControlPlanePort}", result.Output);
    }

    [Fact]
    public async Task Names_that_match_nothing_or_several_items_get_one_clear_line()
    {
        var twice = Unique("twice");
        Assert.Equal(0, (await Stack.CliAsync("tokens", "create", twice)).ExitCode);
        Assert.Equal(0, (await Stack.CliAsync("tokens", "create", twice)).ExitCode);

        var ambiguous = await Stack.CliAsync("tokens", "revoke", twice);
        Assert.NotEqual(0, ambiguous.ExitCode);
        Assert.Contains($"error: 2 API tokens are named '{twice}': give the id of one", ambiguous.Output);
        Assert.DoesNotContain("Usage:", ambiguous.Output);

        var unknown = await Stack.CliAsync("access", "service-tokens", "revoke", "no-such-token");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("error: no service token named 'no-such-token'", unknown.Output);
        Assert.Single(unknown.Output.Trim().Split('\n'));
    }

    [Fact]
    public async Task Access_app_delete_takes_the_applications_name()
    {
        var name = Unique("app");
        var app = Stack.TempPath($"{name}.json");
        await File.WriteAllTextAsync(app, JsonSerializer.Serialize(new
        {
            name, domains = new[] { $"{name}.localhost" }, sessionMinutes = 60,
            policies = new[] { new { name = "staff", action = "allow", include = new[] { new { emailDomain = "example.com" } } } },
        }));
        Assert.Equal(0, (await Stack.CliAsync("access", "apps", "apply", app)).ExitCode);

        var delete = await Stack.CliAsync("access", "apps", "delete", name);
        Assert.True(delete.ExitCode == 0, delete.Output);
        Assert.DoesNotContain(name, (await Stack.CliAsync("access", "apps", "list")).Output);
    }

    [Fact]
    public async Task Users_list_says_never_for_someone_given_a_role_before_signing_in()
    {
        var login = $"{Unique("new")}@example.com";
        Assert.Equal(0, (await Stack.CliAsync("users", "role", login, "viewer")).ExitCode);

        var users = await Stack.Api.GetFromJsonAsync<JsonElement>("api/users");
        Assert.Equal(JsonValueKind.Null, users.EnumerateArray().Single(u => u.GetProperty("login").GetString() == login).GetProperty("lastSeenAt").ValueKind);
        var row = (await Stack.CliAsync("users", "list")).Output.Split('\n').Single(l => l.StartsWith(login, StringComparison.Ordinal));
        Assert.EndsWith("never", row.TrimEnd());
    }

    [Fact]
    public async Task Connections_show_tunnel_name_edge_and_replica_and_info_says_when_none_is_connected()
    {
        var (name, hostname, token) = await Stack.NewRoutedTunnelAsync();
        var (_, idle) = await Stack.CliAsync("info", name);
        Assert.Contains("no connector connected", idle);
        Assert.DoesNotContain("connector versions:", idle);

        Stack.StartConnector(token, "--connector-id", "replica-a", "--ha-connections", "2");
        await Stack.WaitServedAsync(hostname);
        var tunnelId = (await Stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{name}")).GetProperty("id").GetString()!;
        var table = "";
        await Eventually.Until(async () => table = (await Stack.CliAsync("connections", name)).Output,
            t => t.Split('\n').Count(l => l.Contains("replica-a")) == 2, TimeSpan.FromSeconds(20), "both connections listed");

        var row = table.Split('\n').First(l => l.Contains("replica-a"));
        Assert.StartsWith(name, row);
        Assert.Contains($"edge-{Stack.PublicPort}", row);
        Assert.DoesNotContain(tunnelId, table);
        Assert.Contains("#0", table);
        Assert.Contains("#1", table);
        Assert.Contains("connector versions: ", (await Stack.CliAsync("info", name)).Output);
    }

    [Fact]
    public async Task Routing_a_hostname_again_to_its_tunnel_is_a_no_op_and_to_another_tunnel_names_the_owner()
    {
        var (name, hostname, _) = await Stack.NewRoutedTunnelAsync();
        var again = await Stack.CliAsync("route", "dns", name, hostname);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains($"{hostname} is already routed to tunnel {name}", again.Output);

        var other = Unique("other");
        await Stack.CreateTunnelAsync(other);
        var taken = await Stack.CliAsync("route", "dns", other, hostname);
        Assert.NotEqual(0, taken.ExitCode);
        Assert.Contains($"already routed to tunnel '{name}'", taken.Output);
    }
}
