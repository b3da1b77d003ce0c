using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;

namespace Tunnel.ControlPlane.Tunnels;

/// <summary>An edge as the API and dashboard show it: how it is reached, what it holds, how its peer calls go.</summary>
public sealed record EdgeView(string EdgeId, bool Online, DateTimeOffset ReportedAt, string? PeerUrl, string? ConnectorUrl,
    int Connections, int Tunnels, IReadOnlyList<PeerHealthView> Peers)
{
    /// <summary>The peers this edge failed to reach lately.</summary>
    public IEnumerable<PeerHealthView> FailingPeers() => Peers.Where(p => !p.Ok);
}

/// <summary>The edges that ever reported, newest state first; an edge silent for <see cref="EdgePlacements.Stale"/> is offline.</summary>
public static class EdgeCluster
{
    public static async Task<List<EdgeView>> ListAsync(TunnelDbContext db, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var edges = await db.Edges.AsNoTracking().ToListAsync(ct);
        var live = await LiveConnections.ListAsync(db, null, ct);
        return edges
            .Select(e => new EdgeView(e.EdgeId, now - e.ReportedAt <= EdgePlacements.Stale, e.ReportedAt, e.PeerUrl, e.ConnectorUrl,
                live.Count(c => c.EdgeId == e.EdgeId), live.Where(c => c.EdgeId == e.EdgeId).Select(c => c.TunnelId).Distinct().Count(),
                JsonSerializer.Deserialize<List<PeerHealthView>>(e.PeerHealthJson) ?? []))
            .OrderByDescending(e => e.Online).ThenBy(e => e.EdgeId, StringComparer.Ordinal)
            .ToList();
    }
}
