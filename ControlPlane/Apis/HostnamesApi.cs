using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Apis;

public static class HostnamesApi
{
    public static RouteGroupBuilder MapHostnamesApi(this RouteGroupBuilder api)
    {
        api.MapPost("/tunnels/{tunnel}/hostnames", RouteAsync).WithTags("Hostnames");
        api.MapGet("/hostnames", ListAsync).WithTags("Hostnames");
        api.MapDelete("/hostnames/{hostname}", DeleteAsync).WithTags("Hostnames");
        return api;
    }

    private static async Task<Results<Created<HostnameResponse>, Ok<HostnameResponse>, ProblemHttpResult>> RouteAsync(
        string tunnel, RouteHostnameRequest request, TunnelCatalog catalog, TunnelDbContext db, CancellationToken ct)
    {
        // Routing a name again to the tunnel it already goes to changes nothing: 200 with the route, so scripts
        // can run `tunnel route dns` every time (another tunnel's name still conflicts, below).
        if (NameRules.TryNormalizeHostname(request.Hostname, out var name, out _)
            && await catalog.FindAsync(tunnel, ct) is { } target
            && await db.Hostnames.AsNoTracking().FirstOrDefaultAsync(h => h.Name == name && h.TunnelId == target.Id, ct) is { } existing)
        {
            return TypedResults.Ok(new HostnameResponse(existing.Name, target.Id, target.Name, existing.CreatedAt));
        }

        var outcome = await catalog.RouteAsync(tunnel, request.Hostname, ct);
        if (!outcome.Succeeded)
        {
            return Problems.From(outcome);
        }

        var (entity, route) = outcome.Value;
        return TypedResults.Created($"/api/hostnames/{route.Name}", new HostnameResponse(route.Name, entity.Id, entity.Name, route.CreatedAt));
    }

    private static async Task<Results<Ok<Page<HostnameResponse>>, ProblemHttpResult>> ListAsync(
        TunnelDbContext db, int? limit, string? after, string? tunnel, string? name, CancellationToken ct)
    {
        if (Paging.LimitError(limit) is { } error)
        {
            return Problems.BadRequest(error);
        }

        var take = limit ?? Paging.DefaultLimit;
        var query = from h in db.Hostnames.AsNoTracking()
                    join t in db.Tunnels.AsNoTracking() on h.TunnelId equals t.Id
                    select new { h.Name, h.TunnelId, TunnelName = t.Name, h.CreatedAt };
        if (!string.IsNullOrEmpty(after))
        {
            query = query.Where(r => string.Compare(r.Name, after) > 0);
        }

        if (!string.IsNullOrEmpty(tunnel))
        {
            query = Guid.TryParse(tunnel, out var id) ? query.Where(r => r.TunnelId == id) : query.Where(r => r.TunnelName == tunnel);
        }

        if (!string.IsNullOrEmpty(name))
        {
            query = query.Where(r => r.Name.Contains(name));
        }

        var rows = await query.OrderBy(r => r.Name).Take(take + 1).ToListAsync(ct);
        return TypedResults.Ok(Paging.Of(rows.Select(r => new HostnameResponse(r.Name, r.TunnelId, r.TunnelName, r.CreatedAt)).ToList(), take, h => h.Hostname));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string hostname, TunnelCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.UnrouteAsync(hostname, ct);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome);
    }
}
