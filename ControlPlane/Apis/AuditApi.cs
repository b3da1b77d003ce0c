using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Audit;
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

    /// <summary>Newest first; `after` is the id of the last event of the previous page; `from` and `to` bound the time (inclusive).</summary>
    private static async Task<Results<Ok<Page<AuditEventResponse>>, ProblemHttpResult>> ListAsync(
        TunnelDbContext db, int? limit, long? after, Guid? tunnel, string? actor, string? action, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        if (Paging.LimitError(limit) is { } error)
        {
            return Problems.BadRequest(error);
        }

        if (from > to)
        {
            return Problems.BadRequest("from must not be later than to");
        }

        var take = limit ?? Paging.DefaultLimit;
        var query = await new AuditFilter(after, tunnel, actor, action, from, to).QueryAsync(db, ct);
        var rows = await query.Take(take + 1).ToListAsync(ct);
        return TypedResults.Ok(Paging.Of(rows.Select(ToResponse).ToList(), take, e => e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    internal static AuditEventResponse ToResponse(AuditEventEntity e) =>
        new(e.Id, e.At, e.Actor, e.Action, e.Target, e.TunnelId, e.RemoteAddress, e.Detail);
}
