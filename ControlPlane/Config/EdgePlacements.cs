using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Config;

/// <summary>
/// The edge cluster as the snapshot tells it: the edges that reported lately (how to reach each) and, per tunnel,
/// which edges hold its connections and the ingress those serve, so any edge can route any tunnel through a peer.
/// </summary>
public static class EdgePlacements
{
    /// <summary>Edges report every 10 s; an edge silent for longer than this is gone.</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromSeconds(35);

    private sealed record LocalRule(string Hostname, string Path, string Service, string HttpHostHeader);

    /// <summary>Why a report cannot be stored (an id or address that does not fit, or is not https), or null.</summary>
    public static string? Problem(ConnectionReport report)
    {
        if (report.EdgeId.Length is 0 or > 128)
        {
            return "the edge id must be 1 to 128 characters (Edge:Id)";
        }

        foreach (var (name, url) in new[] { ("Edge:PeerUrl", report.PeerUrl), ("Edge:ConnectorUrl", report.ConnectorUrl) })
        {
            if (url.Length > 0 && (url.Length > 512 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps))
            {
                return $"{name} '{(url.Length > 80 ? url[..80] + "…" : url)}' must be an https:// URL of at most 512 characters";
            }
        }

        return null;
    }

    public static string? LocalRulesJson(IEnumerable<IngressRule> rules)
    {
        var list = rules.Select(r => new LocalRule(r.Hostname, r.Path, r.Service, r.HttpHostHeader)).ToList();
        return list.Count == 0 ? null : JsonSerializer.Serialize(list);
    }

    private static IEnumerable<IngressRule> LocalRules(string? json) =>
        json is null ? [] : (JsonSerializer.Deserialize<List<LocalRule>>(json) ?? [])
            .Select(r => new IngressRule { Hostname = r.Hostname, Path = r.Path, Service = r.Service, HttpHostHeader = r.HttpHostHeader });

    /// <summary>What other edges learn from one edge's report; a report that changes it makes a new snapshot.</summary>
    public static string Describe(ConnectionReport report, IEnumerable<LiveConnection> connections) =>
        $"{report.PeerUrl}|{report.ConnectorUrl}|" + string.Join(';', connections
            .Select(c => $"{c.TunnelId.ToLowerInvariant()}/{c.IngressVersion}/{LocalRulesJson(c.LocalIngress)}").Distinct().Order(StringComparer.Ordinal));

    /// <summary>The description of the edge's previous report, empty when it had gone stale.</summary>
    public static async Task<string?> OfEdgeAsync(TunnelDbContext db, string edgeId, DateTimeOffset now, CancellationToken ct)
    {
        var edge = await db.Edges.AsNoTracking().FirstOrDefaultAsync(e => e.EdgeId == edgeId, ct);
        if (edge is null || now - edge.ReportedAt > Stale)
        {
            return null;
        }

        var rows = await db.Connections.AsNoTracking().Where(c => c.EdgeId == edgeId && !c.Draining).ToListAsync(ct);
        var report = new ConnectionReport { PeerUrl = edge.PeerUrl ?? "", ConnectorUrl = edge.ConnectorUrl ?? "" };
        return Describe(report, rows.Select(r =>
        {
            var c = new LiveConnection { TunnelId = r.TunnelId.ToString(), IngressVersion = r.IngressVersion ?? "" };
            c.LocalIngress.AddRange(LocalRules(r.LocalIngressJson));
            return c;
        }));
    }

    public static async Task SaveEdgeAsync(TunnelDbContext db, ConnectionReport report, DateTimeOffset now, CancellationToken ct)
    {
        var edge = await db.Edges.FirstOrDefaultAsync(e => e.EdgeId == report.EdgeId, ct);
        if (edge is null)
        {
            edge = new EdgeEntity { EdgeId = report.EdgeId };
            db.Edges.Add(edge);
        }

        edge.PeerUrl = report.PeerUrl.Length == 0 ? null : report.PeerUrl;
        edge.ConnectorUrl = report.ConnectorUrl.Length == 0 ? null : report.ConnectorUrl;
        edge.PeerHealthJson = JsonSerializer.Serialize(report.Peers.Select(p => new Tunnels.PeerHealthView(
            p.EdgeId, p.Ok, p.LastError.Length == 0 ? null : p.LastError, p.StreamsOpened, p.StreamsFailed, p.LastFailure?.ToDateTimeOffset())));
        edge.ReportedAt = now;
    }

    /// <summary>Adds the live edges and each tunnel's placements to a snapshot (rows of silent edges left out).</summary>
    public static async Task AddToAsync(ConfigSnapshot snapshot, TunnelDbContext db, CancellationToken ct)
    {
        // Filtered in memory: SQLite cannot compare DateTimeOffset values in SQL.
        var cutoff = DateTimeOffset.UtcNow - Stale;
        var edges = (await db.Edges.AsNoTracking().ToListAsync(ct)).Where(e => e.ReportedAt >= cutoff).OrderBy(e => e.EdgeId, StringComparer.Ordinal).ToList();
        snapshot.Edges.AddRange(edges.Select(e => new EdgeInfo { EdgeId = e.EdgeId, PeerUrl = e.PeerUrl ?? "", ConnectorUrl = e.ConnectorUrl ?? "" }));
        var live = edges.Select(e => e.EdgeId).ToHashSet(StringComparer.Ordinal);
        var connections = (await db.Connections.AsNoTracking().Where(c => !c.Draining).ToListAsync(ct)).Where(c => c.ReportedAt >= cutoff && live.Contains(c.EdgeId)).ToList();
        var byTunnel = snapshot.Tunnels.ToDictionary(t => t.Id, StringComparer.OrdinalIgnoreCase);
        foreach (var group in connections.GroupBy(c => (c.TunnelId, c.EdgeId, Version: c.IngressVersion ?? "")).OrderBy(g => g.Key.EdgeId, StringComparer.Ordinal))
        {
            if (!byTunnel.TryGetValue(group.Key.TunnelId.ToString(), out var tunnel))
            {
                continue;
            }

            var placement = new Placement { EdgeId = group.Key.EdgeId, IngressVersion = group.Key.Version, Connections = group.Count() };
            placement.LocalIngress.AddRange(LocalRules(group.FirstOrDefault(c => c.LocalIngressJson is not null)?.LocalIngressJson));
            tunnel.Placements.Add(placement);
        }
    }
}
