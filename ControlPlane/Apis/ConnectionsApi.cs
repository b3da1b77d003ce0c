using Microsoft.AspNetCore.Http.HttpResults;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Apis;

public static class ConnectionsApi
{
    public static RouteGroupBuilder MapConnectionsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/connections", async (TunnelDbContext db, string? edge, CancellationToken ct) =>
            TypedResults.Ok(ToResponses(await LiveConnections.ListAsync(db, null, ct), edge))).WithTags("Connections");
        api.MapGet("/tunnels/{tunnel}/connections", async Task<Results<Ok<List<ConnectionResponse>>, ProblemHttpResult>> (
            string tunnel, string? edge, TunnelCatalog catalog, TunnelDbContext db, CancellationToken ct) =>
        {
            var entity = await catalog.FindAsync(tunnel, ct);
            return entity is null
                ? Problems.NotFound($"no tunnel named or with id '{tunnel}': list them with `tunnel list`")
                : TypedResults.Ok(ToResponses(await LiveConnections.ListAsync(db, entity.Id, ct), edge));
        }).WithTags("Connections");
        // The edge cluster: each edge's addresses, what it holds and how its calls to peer edges go.
        api.MapGet("/edges", async (TunnelDbContext db, CancellationToken ct) => TypedResults.Ok(await EdgeCluster.ListAsync(db, ct))).WithTags("Connections");
        return api;
    }

    private static List<ConnectionResponse> ToResponses(IEnumerable<ConnectionEntity> rows, string? edge) =>
        rows.Where(c => edge is null || c.EdgeId == edge)
            .Select(c => new ConnectionResponse(c.ConnectionId, c.TunnelId, c.ConnectorId, c.ConnectionIndex, c.EdgeId,
                c.Version, c.RemoteAddress, c.ConnectedAt, c.LastHeartbeat, c.IngressVersion, c.IngressRejectedVersion, c.IngressRejectedReason))
            .ToList();
}
