using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;

namespace Tunnel.ControlPlane.Apis;

public static class ConnectionsApi
{
    /// <summary>Edges report every 10 s; a row older than this belongs to an edge that is gone.</summary>
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(35);

    public static RouteGroupBuilder MapConnectionsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/connections", (TunnelDbContext db, CancellationToken ct) => ListAsync(db, null, ct));
        api.MapGet("/tunnels/{tunnel}/connections", async Task<Results<Ok<List<ConnectionResponse>>, ProblemHttpResult>> (
            string tunnel, TunnelDbContext db, CancellationToken ct) =>
        {
            var entity = await TunnelsApi.FindAsync(db, tunnel, ct);
            return entity is null ? Problems.UnknownTunnel(tunnel) : await ListAsync(db, entity.Id, ct);
        });
        return api;
    }

    private static async Task<Ok<List<ConnectionResponse>>> ListAsync(TunnelDbContext db, Guid? tunnelId, CancellationToken ct) =>
        TypedResults.Ok(await LiveAsync(db, tunnelId, ct));

    internal static async Task<List<ConnectionResponse>> LiveAsync(TunnelDbContext db, Guid? tunnelId, CancellationToken ct)
    {
        var query = db.Connections.AsNoTracking();
        if (tunnelId is { } id)
        {
            query = query.Where(c => c.TunnelId == id);
        }

        // Filtered in memory: SQLite cannot compare DateTimeOffset values in SQL.
        var cutoff = DateTimeOffset.UtcNow - Stale;
        var rows = await query.ToListAsync(ct);
        return rows.Where(c => c.ReportedAt >= cutoff)
            .OrderBy(c => c.TunnelId).ThenBy(c => c.ConnectorId, StringComparer.Ordinal).ThenBy(c => c.ConnectionIndex)
            .Select(c => new ConnectionResponse(c.ConnectionId, c.TunnelId, c.ConnectorId, c.ConnectionIndex, c.EdgeId,
                c.Version, c.RemoteAddress, c.ConnectedAt, c.LastHeartbeat))
            .ToList();
    }
}
