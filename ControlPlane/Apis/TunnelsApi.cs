using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Apis;

public static class TunnelsApi
{
    public static RouteGroupBuilder MapTunnelsApi(this RouteGroupBuilder api)
    {
        var tunnels = api.MapGroup("/tunnels").WithTags("Tunnels");
        tunnels.MapGet("/", ListAsync);
        tunnels.MapPost("/", CreateAsync);
        tunnels.MapGet("/{tunnel}", GetAsync);
        tunnels.MapPatch("/{tunnel}", RenameAsync);
        tunnels.MapDelete("/{tunnel}", DeleteAsync);
        tunnels.MapPost("/{tunnel}/rotate", RotateAsync);
        // A GET, but it reveals a secret: admins only.
        tunnels.MapGet("/{tunnel}/token", GetTokenAsync).RequireAuthorization(Roles.CanWrite);
        return api;
    }

    private static async Task<Results<Ok<Page<TunnelResponse>>, ProblemHttpResult>> ListAsync(
        TunnelDbContext db, int? limit, string? after, string? name, string? status, CancellationToken ct)
    {
        if (Paging.LimitError(limit) is { } error)
        {
            return Problems.BadRequest(error);
        }

        if (status is not (null or "healthy" or "degraded" or "down"))
        {
            return Problems.BadRequest($"status '{status}' is not one of: healthy, degraded, down");
        }

        var take = limit ?? Paging.DefaultLimit;
        var query = db.Tunnels.AsNoTracking().Include(t => t.Hostnames).AsQueryable();
        if (!string.IsNullOrEmpty(after))
        {
            query = query.Where(t => string.Compare(t.Name, after) > 0);
        }

        if (!string.IsNullOrEmpty(name))
        {
            query = query.Where(t => t.Name.Contains(name));
        }

        query = query.OrderBy(t => t.Name);
        var rows = status is null ? await query.Take(take + 1).ToListAsync(ct) : await query.ToListAsync(ct);
        var live = (await LiveConnections.ListAsync(db, null, ct)).ToLookup(c => c.TunnelId);
        var responses = rows.Select(t => ToResponse(t, [.. live[t.Id]])).Where(t => status is null || t.Status == status).Take(take + 1).ToList();
        return TypedResults.Ok(Paging.Of(responses, take, t => t.Name));
    }

    private static async Task<Results<Created<CreatedTunnelResponse>, ProblemHttpResult>> CreateAsync(
        CreateTunnelRequest request, TunnelCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.CreateAsync(request.Name, ct);
        if (!outcome.Succeeded)
        {
            return Problems.From(outcome);
        }

        var (tunnel, token) = outcome.Value;
        return TypedResults.Created($"/api/tunnels/{tunnel.Id}", new CreatedTunnelResponse(tunnel.Id, tunnel.Name, tunnel.CreatedAt, token));
    }

    private static async Task<Results<Ok<TunnelResponse>, ProblemHttpResult>> GetAsync(
        string tunnel, TunnelCatalog catalog, TunnelDbContext db, CancellationToken ct)
    {
        var entity = await catalog.FindAsync(tunnel, ct);
        if (entity is null)
        {
            return Problems.NotFound($"no tunnel named or with id '{tunnel}': list them with `tunnel list`");
        }

        return TypedResults.Ok(ToResponse(entity, await LiveConnections.ListAsync(db, entity.Id, ct)));
    }

    private static async Task<Results<Ok<TunnelResponse>, ProblemHttpResult>> RenameAsync(
        string tunnel, UpdateTunnelRequest request, TunnelCatalog catalog, TunnelDbContext db, CancellationToken ct)
    {
        var outcome = await catalog.RenameAsync(tunnel, request.Name, ct);
        return outcome.Succeeded
            ? TypedResults.Ok(ToResponse(outcome.Value!, await LiveConnections.ListAsync(db, outcome.Value!.Id, ct)))
            : Problems.From(outcome);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string tunnel, TunnelCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.DeleteAsync(tunnel, ct);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome);
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RotateAsync(string tunnel, TunnelCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.RotateAsync(tunnel, ct);
        return outcome.Succeeded ? TypedResults.Ok(new TokenResponse(outcome.Value.Tunnel.Id, outcome.Value.Token)) : Problems.From(outcome);
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> GetTokenAsync(string tunnel, TunnelCatalog catalog, CancellationToken ct)
    {
        var outcome = await catalog.RevealTokenAsync(tunnel, ct);
        return outcome.Succeeded ? TypedResults.Ok(new TokenResponse(outcome.Value.Tunnel.Id, outcome.Value.Token)) : Problems.From(outcome);
    }

    internal static TunnelResponse ToResponse(TunnelEntity t, IReadOnlyCollection<ConnectionEntity> live) =>
        new(t.Id, t.Name, t.CreatedAt, t.Hostnames.Select(h => h.Name).Order(StringComparer.Ordinal).ToList(), live.Count,
            LiveConnections.Health(live), live.Select(c => c.Version).Distinct().Order(StringComparer.Ordinal).ToList(), t.IngressJson is not null,
            IngressRollout.Of(t, live), t.Quick, t.ExpiresAt);
}
