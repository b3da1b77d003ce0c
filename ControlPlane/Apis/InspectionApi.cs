using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Inspection;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Inspection;

namespace Tunnel.ControlPlane.Apis;

/// <summary>
/// The traffic inspector: a tunnel's capture settings, its captured requests, one in full, HAR export and replay.
/// Viewers read captures (masked); only admins change settings, export and replay. The dashboard calls the same
/// methods with its cookie session (Dashboard/DashboardSetup).
/// </summary>
public static class InspectionApi
{
    /// <param name="Newest">The tunnel's newest capture id when the list was read: poll with after=Newest for what comes next.</param>
    public sealed record CaptureList(IReadOnlyList<CaptureSummary> Items, long? Before, long Newest, CaptureSettingsView Settings);

    /// <summary>The bodies one HAR export may hold together (it is built in memory).</summary>
    public const long MaxExportBodyBytes = 128L * 1024 * 1024;

    public static RouteGroupBuilder MapInspectionApi(this RouteGroupBuilder api)
    {
        api.MapGet("/tunnels/{tunnel}/inspection", GetSettingsAsync).WithTags("Inspector");
        api.MapPut("/tunnels/{tunnel}/inspection", SetSettingsAsync).WithTags("Inspector");
        api.MapGet("/tunnels/{tunnel}/captures", ListAsync).WithTags("Inspector");
        // A GET, but it hands over whole requests: admins only, as the issue of capture asks.
        api.MapGet("/tunnels/{tunnel}/captures/har", HarAsync).WithTags("Inspector").RequireAuthorization(Roles.CanWrite);
        api.MapGet("/captures/{id:long}", GetAsync).WithTags("Inspector");
        api.MapPost("/captures/{id:long}/replay", ReplayAsync).WithTags("Inspector");
        return api;
    }

    public static async Task<Results<Ok<CaptureSettingsView>, ProblemHttpResult>> GetSettingsAsync(string tunnel, TunnelCatalog catalog,
        CaptureSettingsStore settings, CancellationToken ct) =>
        await catalog.FindAsync(tunnel, ct) is { } found
            ? TypedResults.Ok(await settings.GetAsync(found.Id, ct))
            : Problems.NotFound($"no tunnel '{tunnel}'");

    public static async Task<Results<Ok<CaptureSettingsView>, ProblemHttpResult>> SetSettingsAsync(string tunnel, CaptureSettingsChange change,
        TunnelCatalog catalog, CaptureSettingsStore settings, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await catalog.FindAsync(tunnel, ct) is not { } found)
        {
            return Problems.NotFound($"no tunnel '{tunnel}'");
        }

        var outcome = await settings.SetAsync(found, change, Identities.Actor(user), ct);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome);
    }

    /// <summary>Newest first. `after` (an id) gives only newer ones (the live list polls with it); `before` pages back.</summary>
    public static async Task<Results<Ok<CaptureList>, ProblemHttpResult>> ListAsync(string tunnel, string? hostname, string? method, string? status,
        string? path, string? q, long? after, long? before, int? limit, TunnelCatalog catalog, CaptureStore captures, CaptureSettingsStore settings,
        ClaimsPrincipal user, CancellationToken ct)
    {
        if (Paging.LimitError(limit) is { } error)
        {
            return Problems.BadRequest(error);
        }

        if (!CaptureStore.IsValidStatusFilter(status))
        {
            return Problems.BadRequest($"status '{status}' is not a status class: 1xx, 2xx, 3xx, 4xx or 5xx");
        }

        if (await catalog.FindAsync(tunnel, ct) is not { } found)
        {
            return Problems.NotFound($"no tunnel '{tunnel}'");
        }

        var take = limit ?? Paging.DefaultLimit;
        var newest = await captures.NewestAsync(found.Id, ct); // read first: a capture stored meanwhile comes with the next poll
        var admin = user.IsInRole(Roles.Admin);
        var items = await captures.ListAsync(found.Id, new CaptureFilter(hostname, method, status, path, q), after, before, take, ct, searchUnmasked: admin);
        var s = await settings.GetAsync(found.Id, ct);
        if (!admin)
        {
            // Full capture stores URLs as sent; viewers see their credential-like query values masked, as everywhere.
            var mask = new Redaction.Rules(s.RedactHeaders, s.RedactFields);
            items = items.Select(i => i with { Url = mask.Url(i.Url), Path = mask.Url(i.Path) }).ToList();
        }

        return TypedResults.Ok(new CaptureList(items, items.Count == take ? items[^1].Id : null, Math.Max(newest, items.Count > 0 ? items[0].Id : 0), s));
    }

    public static async Task<Results<Ok<CaptureDetail>, ProblemHttpResult>> GetAsync(long id, CaptureStore captures, CaptureSettingsStore settings,
        ClaimsPrincipal user, CancellationToken ct)
    {
        if (await captures.GetAsync(id, ct) is not { } c)
        {
            return Problems.NotFound($"no capture {id} (captures are kept to each tunnel's limits: it may have aged out)");
        }

        // Full capture stores everything as sent; viewers still see credentials masked.
        Redaction.Rules? mask = null;
        if (!c.Redacted && !user.IsInRole(Roles.Admin))
        {
            var s = await settings.GetAsync(c.TunnelId, ct);
            mask = new Redaction.Rules(s.RedactHeaders, s.RedactFields);
        }

        var original = c.ReplayOf is { } of ? await captures.FindByExchangeAsync(of, ct) : null;
        return TypedResults.Ok(CaptureView.Detail(c, original?.Seq, await captures.ReplaysOfAsync(c.ExchangeId, ct), mask));
    }

    /// <summary>`ids` (comma-separated) picks captures of the tunnel; without it, its newest (up to the list limit).</summary>
    /// <summary>Without ids: the newest 100.</summary>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> HarAsync(string tunnel, string? ids, TunnelCatalog catalog, CaptureStore captures,
        CancellationToken ct)
    {
        if (await catalog.FindAsync(tunnel, ct) is not { } found)
        {
            return Problems.NotFound($"no tunnel '{tunnel}'");
        }

        List<long> chosen;
        if (string.IsNullOrWhiteSpace(ids))
        {
            chosen = (await captures.ListAsync(found.Id, new CaptureFilter(), null, null, Paging.DefaultLimit, ct)).Select(s => s.Id).ToList();
        }
        else
        {
            chosen = [];
            foreach (var part in ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!long.TryParse(part, out var id))
                {
                    return Problems.BadRequest($"ids: '{part}' is not a capture id (numbers, comma-separated)");
                }

                chosen.Add(id);
            }

            if (chosen.Count > Paging.MaxLimit)
            {
                return Problems.BadRequest($"ids: at most {Paging.MaxLimit} captures per export");
            }
        }

        if (await captures.BodyBytesAsync(found.Id, chosen, ct) is var total && total > MaxExportBodyBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Export too large",
                detail: $"these captures hold {total / (1024 * 1024)} MiB of bodies; one export holds at most {MaxExportBodyBytes / (1024 * 1024)} MiB: export fewer (ids=…)");
        }

        var rows = await captures.GetManyAsync(found.Id, chosen, ct);
        if (rows.Count < chosen.Distinct().Count())
        {
            var missing = chosen.Except(rows.Select(r => r.Seq)).First();
            return Problems.NotFound($"no capture {missing} of tunnel '{found.Name}' (it may have aged out)");
        }

        var version = typeof(InspectionApi).Assembly.GetName().Version?.ToString(3) ?? "0";
        var har = HarExport.Build(rows, version).ToJsonString();
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(har), "application/json", $"{found.Name}-captures.har");
    }

    public static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayAsync(long id, ReplayRequest? request, ReplayService replays, CancellationToken ct)
    {
        var outcome = await replays.ReplayAsync(id, request ?? new ReplayRequest(), ct);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome);
    }
}
