using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tunnel.Connector.Cli;

/// <summary>`tunnel access apps|service-tokens|idp|sessions`: Access settings in the control plane.</summary>
public static class AccessAdminCommands
{
    public static IEnumerable<Command> Create()
    {
        var appsList = new Command("list", "List Access applications");
        appsList.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var apps = (await api.GetAsync("api/access/apps", ct)).EnumerateArray().ToList();
            Output.PrintList(parse, apps, $"{"ID",-36}  {"NAME",-24}  {"SESSION",7}  {"POLICIES",8}  DOMAINS",
                a => $"{a.Text("id"),-36}  {a.Text("name"),-24}  {a.Text("sessionMinutes") + "m",7}  {a.GetProperty("policies").GetArrayLength(),8}  {a.Join("domains")}");
            return 0;
        });

        var file = new Argument<string>("FILE") { Description = "JSON: {name, domains, sessionMinutes, policies: [{name, action, include, exclude, require}]}" };
        var apply = new Command("apply", "Create an Access application, or update the one with the same name") { file };
        apply.SetAction(async (parse, ct) =>
        {
            JsonElement app;
            try
            {
                app = JsonDocument.Parse(await File.ReadAllTextAsync(parse.GetValue(file)!, ct)).RootElement;
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                throw new CliException($"{parse.GetValue(file)}: {ex.Message}", 2);
            }

            using var api = CommonOptions.CreateClient(parse);
            var name = app.Text("name");
            var existing = (await api.GetAsync("api/access/apps", ct)).EnumerateArray().FirstOrDefault(a => a.Text("name") == name);
            var saved = existing.ValueKind == JsonValueKind.Object
                ? await api.PutAsync($"api/access/apps/{existing.Text("id")}", JsonNode.Parse(app.GetRawText())!, ct)
                : await api.PostAsync("api/access/apps", JsonNode.Parse(app.GetRawText())!, ct);
            Output.Print(parse, saved, a => Console.WriteLine($"{(existing.ValueKind == JsonValueKind.Object ? "Updated" : "Created")} Access application {a.Text("name")} ({a.Text("id")})"));
            return 0;
        });

        var appId = new Argument<string>("APP") { Description = "Application name or id, from `tunnel access apps list`" };
        var appDelete = new Command("delete", "Delete an Access application: its domains are no longer gated") { appId };
        appDelete.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var text = parse.GetValue(appId)!;
            var id = await NameResolver.IdAsync(api, "api/access/apps", text, "Access application", "tunnel access apps list", ct);
            await api.DeleteAsync($"api/access/apps/{id}", ct);
            Console.WriteLine(Guid.TryParse(text, out _) ? $"Deleted Access application {id}" : $"Deleted Access application {text} ({id})");
            return 0;
        });

        var tokenName = new Argument<string>("NAME") { Description = "What the service token is for" };
        var days = new Option<int?>("--expires-in-days") { Description = "Expire after this many days (default: never)" };
        var tokenCreate = new Command("create", "Create a service token; its secret is printed once") { tokenName, days };
        tokenCreate.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var created = await api.PostAsync("api/access/service-tokens", new JsonObject { ["name"] = parse.GetValue(tokenName), ["expiresInDays"] = parse.GetValue(days) }, ct);
            Output.Print(parse, created, c =>
            {
                Console.WriteLine($"Tunnel-Access-Client-Id: {c.GetProperty("info").Text("clientId")}");
                Console.WriteLine($"Tunnel-Access-Client-Secret: {c.Text("clientSecret")}");
                Console.Error.WriteLine("The secret is not shown again.");
            });
            return 0;
        });
        var tokenList = new Command("list", "List service tokens");
        tokenList.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var rows = (await api.GetAsync("api/access/service-tokens", ct)).EnumerateArray().ToList();
            Output.PrintList(parse, rows, $"{"ID",-36}  {"NAME",-20}  {"CLIENT ID",-45}  {"EXPIRES",-19}  STATUS",
                t => $"{t.Text("id"),-36}  {t.Text("name"),-20}  {t.Text("clientId"),-45}  {t.Time("expiresAt", "never"),-19}  {t.TokenStatus()}");
            return 0;
        });
        var tokenId = new Argument<string>("TOKEN") { Description = "Service token name, client id or id, from `tunnel access service-tokens list`" };
        var tokenRevoke = new Command("revoke", "Revoke a service token") { tokenId };
        tokenRevoke.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var text = parse.GetValue(tokenId)!;
            var id = await NameResolver.IdAsync(api, "api/access/service-tokens", text, "service token", "tunnel access service-tokens list", ct,
                t => t.TokenStatus() == "active", alsoKey: "clientId");
            await api.DeleteAsync($"api/access/service-tokens/{id}", ct);
            Console.WriteLine(Guid.TryParse(text, out _) ? $"Revoked service token {id}" : $"Revoked service token {text} ({id})");
            return 0;
        });

        var authHost = new Option<string>("--auth-hostname") { Description = "Hostname where edges run the login, e.g. auth.example.com", Required = true };
        var authority = new Option<string>("--authority") { Description = "The provider's issuer URL", Required = true };
        var clientId = new Option<string>("--client-id") { Required = true };
        var clientSecret = new Option<string?>("--client-secret") { Description = "[env TUNNEL_IDP_CLIENT_SECRET]" };
        var scopes = new Option<string>("--scopes") { DefaultValueFactory = _ => "openid profile email" };
        var groupClaim = new Option<string>("--group-claim") { DefaultValueFactory = _ => "groups" };
        var edgePort = new Option<int>("--edge-port")
        {
            Description = "The edges' public HTTPS port, when it is not 443: the redirect URI to register includes it",
            DefaultValueFactory = _ => 443,
        };
        var skipCheck = new Option<bool>("--skip-check")
        {
            Description = "Save without fetching the provider's discovery document first (when only the edges can reach the provider)",
        };
        var idpSet = new Command("set", "Set the identity provider edges log people in with") { authHost, authority, clientId, clientSecret, scopes, groupClaim, edgePort, skipCheck };
        idpSet.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            var idp = await api.PutAsync("api/access/identity-provider", new JsonObject
            {
                ["authHostname"] = parse.GetValue(authHost), ["authority"] = parse.GetValue(authority), ["clientId"] = parse.GetValue(clientId),
                ["clientSecret"] = parse.GetValueOrEnvironment(clientSecret, "TUNNEL_IDP_CLIENT_SECRET") ?? "", ["scopes"] = parse.GetValue(scopes),
                ["groupClaim"] = parse.GetValue(groupClaim), ["skipDiscoveryCheck"] = parse.GetValue(skipCheck),
            }, ct);

            var port = parse.GetValue(edgePort);
            var redirect = port == 443 ? idp.Text("redirectUri") : $"https://{idp.Text("authHostname")}:{port}/.tunnel/callback-oidc";
            Output.Print(parse, idp, i => Console.WriteLine($"Edges log people in at {i.Text("authHostname")}; register this redirect URI at the provider: {redirect}"
                + (port == 443 ? " (edges on another public port: add --edge-port PORT to print it with the port)" : "")));
            return 0;
        });

        var email = new Argument<string>("EMAIL");
        var revokeSessions = new Command("revoke", "End every Access session of a person now") { email };
        revokeSessions.SetAction(async (parse, ct) =>
        {
            using var api = CommonOptions.CreateClient(parse);
            await api.PostAsync("api/access/sessions/revoke", new JsonObject { ["email"] = parse.GetValue(email) }, ct);
            Console.WriteLine($"Ended the sessions of {parse.GetValue(email)}");
            return 0;
        });

        return
        [
            new Command("apps", "Access applications and their policies") { appsList, apply, appDelete },
            new Command("service-tokens", "Service tokens for machines") { tokenList, tokenCreate, tokenRevoke },
            new Command("idp", "The identity provider of Access logins") { idpSet },
            new Command("sessions", "Access sessions") { revokeSessions },
        ];
    }
}
