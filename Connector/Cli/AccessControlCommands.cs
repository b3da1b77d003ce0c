using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tunnel.Connector.Cli;

/// <summary>`tunnel tokens` (API tokens for automation) and `tunnel users` (roles of people who sign in).</summary>
public static class AccessControlCommands
{
    public static Command Tokens()
    {
        var list = new Command("list", "List API tokens (never their secret)");
        list.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var rows = (await api.GetAsync("api/tokens", ct)).EnumerateArray().ToList();
            Output.PrintList(parse, rows, $"{"ID",-36}  {"NAME",-20}  {"ROLE",-6}  {"PREFIX",-8}  {"LAST USED",-19}  {"EXPIRES",-19}  STATUS",
                t => $"{t.Text("id"),-36}  {t.Text("name"),-20}  {t.Text("role"),-6}  {t.Text("prefix"),-8}  {t.Time("lastUsedAt"),-19}  {t.Time("expiresAt", "never"),-19}  {t.TokenStatus()}");
            return 0;
        });

        var name = new Argument<string>("NAME") { Description = "What the token is for, e.g. ci-deploy" };
        var role = new Option<string>("--role") { Description = "admin, viewer, or quick (may open quick tunnels and nothing else)", DefaultValueFactory = _ => "viewer" };
        role.AcceptOnlyFromAmong("admin", "viewer", "quick");
        var days = new Option<int?>("--expires-in-days") { Description = "Expire after this many days (default: never)" };
        var create = new Command("create", "Create an API token; it is printed once") { name, role, days };
        create.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var created = await api.PostAsync("api/tokens",
                new JsonObject { ["name"] = parse.GetValue(name), ["role"] = parse.GetValue(role), ["expiresInDays"] = parse.GetValue(days) }, ct);
            Output.Print(parse, created, c =>
            {
                Console.Error.WriteLine($"Created {c.GetProperty("info").Text("role")} token {c.GetProperty("info").Text("name")}; it is not shown again:");
                Console.WriteLine(c.Text("token"));
            });
            return 0;
        });

        var id = new Argument<string>("TOKEN") { Description = "Token name or id, from `tunnel tokens list`" };
        var revoke = new Command("revoke", "Revoke an API token: calls with it fail from now on") { id };
        revoke.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var text = parse.GetValue(id)!;
            var tokenId = await NameResolver.IdAsync(api, "api/tokens", text, "API token", "tunnel tokens list", ct, t => t.TokenStatus() == "active");
            await api.DeleteAsync($"api/tokens/{tokenId}", ct);
            Console.WriteLine(Guid.TryParse(text, out _) ? $"Revoked token {tokenId}" : $"Revoked token {text} ({tokenId})");
            return 0;
        });

        return new Command("tokens", "API tokens for automation") { list, create, revoke };
    }

    public static Command Users()
    {
        var list = new Command("list", "List people who signed in to the dashboard, with the role set for them");
        list.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var rows = (await api.GetAsync("api/users", ct)).EnumerateArray().ToList();
            Output.PrintList(parse, rows, $"{"LOGIN",-40}  {"ROLE",-10}  LAST SEEN",
                u => $"{u.Text("login"),-40}  {(u.Text("role") == "-" ? "(claim)" : u.Text("role")),-10}  {u.Time("lastSeenAt", "never")}");
            return 0;
        });

        var login = new Argument<string>("LOGIN") { Description = "Email address, as the provider sends it" };
        var role = new Argument<string>("ROLE") { Description = "admin, viewer, or claim (follow the OIDC group claim)" };
        role.AcceptOnlyFromAmong("admin", "viewer", "claim");
        var set = new Command("role", "Set a person's role (takes effect at their next sign-in)") { login, role };
        set.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var value = parse.GetValue(role) == "claim" ? null : parse.GetValue(role);
            var user = await api.PutAsync($"api/users/{Uri.EscapeDataString(parse.GetValue(login)!)}/role", new JsonObject { ["role"] = value }, ct);
            Output.Print(parse, user, u => Console.WriteLine($"{u.Text("login")}: {(value ?? "role from the OIDC claim")}"));
            return 0;
        });

        return new Command("users", "People who sign in to the dashboard") { list, set };
    }
}
