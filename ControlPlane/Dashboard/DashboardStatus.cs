using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Dashboard;

/// <summary>What the dashboard's pages poll to keep status, connection counts and connection tables live.</summary>
public static class DashboardStatus
{
    public sealed record TunnelStatus(Guid Id, string Status, int Connections, string PerEdge, string Versions, IReadOnlyList<ConnectionRow> Rows);

    public sealed record ConnectionRow(string ConnectorId, int Index, string Edge, string Version, DateTimeOffset Since, string From);

    public static async Task<IResult> GetAsync(TunnelDbContext db, CancellationToken ct)
    {
        var live = await LiveConnections.ListAsync(db, null, ct);
        var tunnels = live.GroupBy(c => c.TunnelId).Select(g => Describe(g.Key, [.. g])).ToList();
        return Results.Json(new { tunnels }, statusCode: 200);
    }

    public static TunnelStatus Describe(Guid tunnelId, IReadOnlyCollection<Model.ConnectionEntity> live) =>
        new(tunnelId, LiveConnections.Health(live), live.Count,
            string.Join(", ", live.GroupBy(c => c.EdgeId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}")),
            string.Join(", ", live.Select(c => c.Version).Distinct().Order(StringComparer.Ordinal)),
            live.Select(c => new ConnectionRow(c.ConnectorId, c.ConnectionIndex, c.EdgeId, c.Version, c.ConnectedAt, c.RemoteAddress)).ToList());
}
