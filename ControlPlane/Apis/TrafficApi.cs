using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Traffic;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Apis;

/// <summary>A tunnel's traffic as the edges reported it: per period of the range, all edges added up.</summary>
public static class TrafficApi
{
    public static RouteGroupBuilder MapTrafficApi(this RouteGroupBuilder api)
    {
        api.MapGet("/tunnels/{tunnel}/traffic", GetAsync).WithTags("Traffic");
        return api;
    }

    /// <summary>`range` is 1h (30 s points, the default) or 24h (10 min points); `hostname` narrows it to one routed name.</summary>
    public static async Task<Results<Ok<TrafficStore.Series>, ProblemHttpResult>> GetAsync(string tunnel, string? range, string? hostname,
        TunnelCatalog catalog, TrafficStore store, CancellationToken ct)
    {
        if (await catalog.FindAsync(tunnel, ct) is not { } found)
        {
            return Problems.NotFound($"no tunnel '{tunnel}'");
        }

        return await store.SeriesAsync(found.Id, range ?? "1h", hostname, ct) is { } series
            ? TypedResults.Ok(series)
            : Problems.BadRequest($"range '{range}' is not one of: {string.Join(", ", TrafficStore.Ranges.Keys)}");
    }
}
