using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Dashboard;

/// <summary>What the dashboard's pages poll to keep status, connection counts and connection tables live.</summary>
public static class DashboardStatus
{
    public sealed record TunnelStatus(Guid Id, string Status, int Connections, string PerEdge, string Versions, IReadOnlyList<ConnectionRow> Rows,
        IReadOnlyList<ReplicaRow> Replicas);

    public sealed record ConnectionRow(string ConnectorId, int Index, string Edge, string Version, DateTimeOffset Since, string From, bool Draining);

    /// <summary>
    /// One connector process (replica): its connections ("edge #index"), since its oldest one, reconnects in the last
    /// hour (connections it registered again, with any edge, by its own count; from an older connector, registrations
    /// the edges counted beyond the connections it holds now), and whether it is stopping.
    /// </summary>
    public sealed record ReplicaRow(string ConnectorId, string Version, string From, DateTimeOffset Since, IReadOnlyList<string> Connections, int ReconnectsLastHour, bool Draining);

    public static async Task<IResult> GetAsync(TunnelDbContext db, CancellationToken ct)
    {
        var live = await LiveConnections.ListAsync(db, null, ct, withDraining: true);
        var tunnels = live.GroupBy(c => c.TunnelId).Select(g => Describe(g.Key, [.. g])).ToList();
        return Results.Json(new { tunnels }, statusCode: 200);
    }

    /// <param name="all">The tunnel's connections, draining ones included: they are listed, but do not count as serving.</param>
    public static TunnelStatus Describe(Guid tunnelId, IReadOnlyCollection<Model.ConnectionEntity> all)
    {
        var live = all.Where(c => !c.Draining).ToList();
        return new(tunnelId, LiveConnections.Health(live), live.Count,
            string.Join(", ", live.GroupBy(c => c.EdgeId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}")),
            string.Join(", ", live.Select(c => c.Version).Distinct().Order(StringComparer.Ordinal)),
            all.Select(c => new ConnectionRow(c.ConnectorId, c.ConnectionIndex, c.EdgeId, c.Version, c.ConnectedAt, c.RemoteAddress, c.Draining)).ToList(),
            all.GroupBy(c => c.ConnectorId).OrderBy(g => g.Min(c => c.ConnectedAt)).Select(g => new ReplicaRow(
                g.Key, g.First().Version, HostOf(g.First().RemoteAddress), g.Min(c => c.ConnectedAt),
                g.OrderBy(c => c.ConnectionIndex).Select(c => $"{c.EdgeId} #{c.ConnectionIndex}").ToList(),
                ReconnectsLastHour(g),
                g.All(c => c.Draining))).ToList());
    }

    /// <summary>
    /// A connector's reconnects in the last hour: its own count where it says (every edge it was with, gone ones
    /// included; each row holds it as of its edge's last report), else what the edges still holding its connections
    /// counted there.
    /// </summary>
    private static int ReconnectsLastHour(IEnumerable<Model.ConnectionEntity> connector) =>
        connector.Max(c => c.ConnectorReconnectsLastHour)
        ?? Math.Max(0, connector.GroupBy(c => c.EdgeId).Sum(e => e.Max(c => c.RegistrationsLastHour)) - connector.Count());

    /// <summary>gRPC's peer ("ipv4:203.0.113.7:51234", "ipv6:[2001:db8::1]:51234") → the address; each connection has its own port.</summary>
    public static string HostOf(string peer)
    {
        var remote = peer.StartsWith("ipv4:", StringComparison.Ordinal) || peer.StartsWith("ipv6:", StringComparison.Ordinal) ? peer[5..] : peer;
        var colon = remote.LastIndexOf(':');
        return colon > 0 && (remote[0] != '[' || remote[colon - 1] == ']') ? remote[..colon].Trim('[', ']') : remote;
    }
}
