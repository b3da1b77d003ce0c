using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Apis;

public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", ListAsync).WithTags("Audit");
        return api;
    }

    /// <summary>Newest first; `after` is the id of the last event of the previous page.</summary>
    private static async Task<Results<Ok<Page<AuditEventResponse>>, ProblemHttpResult>> ListAsync(
        TunnelDbContext db, int? limit, long? after, Guid? tunnel, string? actor, string? action, CancellationToken ct)
    {
        if (Paging.LimitError(limit) is { } error)
        {
            return Problems.BadRequest(error);
        }

        var take = limit ?? Paging.DefaultLimit;
        var rows = await Query(db, after, tunnel, actor, action).Take(take + 1).ToListAsync(ct);
        return TypedResults.Ok(Paging.Of(rows.Select(ToResponse).ToList(), take, e => e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    internal static IQueryable<AuditEventEntity> Query(TunnelDbContext db, long? after, Guid? tunnel, string? actor, string? action)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (after is { } id)
        {
            query = query.Where(e => e.Id < id);
        }

        if (tunnel is { } tunnelId)
        {
            query = query.Where(e => e.TunnelId == tunnelId);
        }

        if (!string.IsNullOrEmpty(actor))
        {
            query = query.Where(e => e.Actor == actor);
        }

        if (!string.IsNullOrEmpty(action))
        {
            query = query.Where(e => e.Action == action);
        }

        return query.OrderByDescending(e => e.Id);
    }

    internal static AuditEventResponse ToResponse(AuditEventEntity e) =>
        new(e.Id, e.At, e.Actor, e.Action, e.Target, e.TunnelId, e.RemoteAddress, e.Detail);
}
