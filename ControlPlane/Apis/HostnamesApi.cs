using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Apis;

public static class HostnamesApi
{
    public static RouteGroupBuilder MapHostnamesApi(this RouteGroupBuilder api)
    {
        api.MapPost("/tunnels/{tunnel}/hostnames", RouteAsync);
        api.MapGet("/hostnames", ListAsync);
        api.MapDelete("/hostnames/{hostname}", DeleteAsync);
        return api;
    }

    private static async Task<Results<Created<HostnameResponse>, ProblemHttpResult>> RouteAsync(
        string tunnel, RouteHostnameRequest request, TunnelDbContext db, ConfigChangeSignal signal, CancellationToken ct)
    {
        if (!NameRules.TryNormalizeHostname(request.Hostname, out var hostname, out var error))
        {
            return Problems.BadRequest(error);
        }

        var entity = await TunnelsApi.FindAsync(db, tunnel, ct);
        if (entity is null)
        {
            return Problems.UnknownTunnel(tunnel);
        }

        var existing = await db.Hostnames.AsNoTracking().FirstOrDefaultAsync(h => h.Name == hostname, ct);
        if (existing is not null)
        {
            var owner = await db.Tunnels.AsNoTracking().Where(t => t.Id == existing.TunnelId).Select(t => t.Name).FirstAsync(ct);
            return Problems.Conflict($"hostname '{hostname}' is already routed to tunnel '{owner}': remove that route first (DELETE /api/hostnames/{hostname})");
        }

        var route = new HostnameEntity { Name = hostname, TunnelId = entity.Id, CreatedAt = DateTimeOffset.UtcNow };
        db.Hostnames.Add(route);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Problems.Conflict($"hostname '{hostname}' is already routed to a tunnel");
        }

        signal.NotifyChanged();
        return TypedResults.Created($"/api/hostnames/{hostname}", new HostnameResponse(hostname, entity.Id, entity.Name, route.CreatedAt));
    }

    private static async Task<Ok<List<HostnameResponse>>> ListAsync(TunnelDbContext db, CancellationToken ct)
    {
        var rows = await (from h in db.Hostnames.AsNoTracking()
                          join t in db.Tunnels.AsNoTracking() on h.TunnelId equals t.Id
                          select new { h.Name, h.TunnelId, TunnelName = t.Name, h.CreatedAt }).ToListAsync(ct);
        return TypedResults.Ok(rows.OrderBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new HostnameResponse(r.Name, r.TunnelId, r.TunnelName, r.CreatedAt)).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string hostname, TunnelDbContext db, ConfigChangeSignal signal, CancellationToken ct)
    {
        var normalized = hostname.Trim().TrimEnd('.').ToLowerInvariant();
        var deleted = await db.Hostnames.Where(h => h.Name == normalized).ExecuteDeleteAsync(ct);
        if (deleted == 0)
        {
            return Problems.NotFound($"hostname '{hostname}' is not routed to any tunnel");
        }

        signal.NotifyChanged();
        return TypedResults.NoContent();
    }
}
