using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Tunnels;

/// <summary>The connections edges reported recently, and the health they add up to per tunnel.</summary>
public static class LiveConnections
{
    /// <summary>Edges report every 10 s; a row older than this belongs to an edge that is gone.</summary>
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(35);

    /// <summary>How long a report counts as current (an edge that has not reported for this long is gone).</summary>
    public static TimeSpan StaleAfter => Stale;

    /// <summary>Connections one connector opens by default (cloudflared's HA count); fewer means degraded.</summary>
    public const int ExpectedPerConnector = 4;

    /// <param name="withDraining">Also the connections of stopping connectors (the tunnel page lists them, marked); they serve nothing new.</param>
    public static async Task<List<ConnectionEntity>> ListAsync(TunnelDbContext db, Guid? tunnelId, CancellationToken ct, bool withDraining = false)
    {
        var query = db.Connections.AsNoTracking();
        if (!withDraining)
        {
            query = query.Where(c => !c.Draining);
        }

        if (tunnelId is { } id)
        {
            query = query.Where(c => c.TunnelId == id);
        }

        // Filtered in memory: SQLite cannot compare DateTimeOffset values in SQL.
        var cutoff = DateTimeOffset.UtcNow - Stale;
        var rows = await query.ToListAsync(ct);
        return rows.Where(c => c.ReportedAt >= cutoff)
            .OrderBy(c => c.TunnelId).ThenBy(c => c.ConnectorId, StringComparer.Ordinal).ThenBy(c => c.ConnectionIndex)
            .ToList();
    }

    /// <summary>down: no connection; degraded: some connector has fewer than its 4 connections; healthy otherwise.</summary>
    public static string Health(IReadOnlyCollection<ConnectionEntity> connections) =>
        connections.Count == 0 ? "down"
        : connections.GroupBy(c => c.ConnectorId).Any(g => g.Count() < ExpectedPerConnector) ? "degraded"
        : "healthy";
}
