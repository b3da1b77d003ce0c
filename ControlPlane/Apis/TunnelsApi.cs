using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Apis;

public static class TunnelsApi
{
    public static RouteGroupBuilder MapTunnelsApi(this RouteGroupBuilder api)
    {
        var tunnels = api.MapGroup("/tunnels");
        tunnels.MapGet("/", ListAsync);
        tunnels.MapPost("/", CreateAsync);
        tunnels.MapGet("/{tunnel}", GetAsync);
        tunnels.MapDelete("/{tunnel}", DeleteAsync);
        tunnels.MapGet("/{tunnel}/token", GetTokenAsync);
        return api;
    }

    internal static async Task<TunnelEntity?> FindAsync(TunnelDbContext db, string tunnel, CancellationToken ct) =>
        Guid.TryParse(tunnel, out var id)
            ? await db.Tunnels.Include(t => t.Hostnames).FirstOrDefaultAsync(t => t.Id == id, ct)
            : await db.Tunnels.Include(t => t.Hostnames).FirstOrDefaultAsync(t => t.Name == tunnel, ct);

    private static async Task<Ok<List<TunnelResponse>>> ListAsync(TunnelDbContext db, CancellationToken ct)
    {
        var all = await db.Tunnels.AsNoTracking().Include(t => t.Hostnames).ToListAsync(ct);
        var live = (await ConnectionsApi.LiveAsync(db, null, ct)).GroupBy(c => c.TunnelId).ToDictionary(g => g.Key, g => g.Count());
        return TypedResults.Ok(all.OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => ToResponse(t, live.GetValueOrDefault(t.Id))).ToList());
    }

    private static async Task<Results<Created<CreatedTunnelResponse>, ProblemHttpResult>> CreateAsync(
        CreateTunnelRequest request, TunnelDbContext db, TokenIssuer tokens, ConfigChangeSignal signal, CancellationToken ct)
    {
        if (NameRules.TunnelNameError(request.Name) is { } error)
        {
            return Problems.BadRequest(error);
        }

        var name = request.Name!;
        if (await db.Tunnels.AnyAsync(t => t.Name == name, ct))
        {
            return Problems.Conflict($"a tunnel named '{name}' already exists: pick another name or delete it with `tunnel delete {name}`");
        }

        var id = Guid.NewGuid();
        var entity = new TunnelEntity { Id = id, Name = name, SecretHash = tokens.SecretHashFor(id, 0), CreatedAt = DateTimeOffset.UtcNow };
        db.Tunnels.Add(entity);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Problems.Conflict($"a tunnel named '{name}' already exists");
        }

        signal.NotifyChanged();
        return TypedResults.Created($"/api/tunnels/{id}", new CreatedTunnelResponse(id, name, entity.CreatedAt, tokens.TokenFor(id, 0)));
    }

    private static async Task<Results<Ok<TunnelResponse>, ProblemHttpResult>> GetAsync(string tunnel, TunnelDbContext db, CancellationToken ct)
    {
        var entity = await FindAsync(db, tunnel, ct);
        if (entity is null)
        {
            return Problems.UnknownTunnel(tunnel);
        }

        var live = await ConnectionsApi.LiveAsync(db, entity.Id, ct);
        return TypedResults.Ok(ToResponse(entity, live.Count));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string tunnel, TunnelDbContext db, ConfigChangeSignal signal, CancellationToken ct)
    {
        var entity = await FindAsync(db, tunnel, ct);
        if (entity is null)
        {
            return Problems.UnknownTunnel(tunnel);
        }

        db.Tunnels.Remove(entity);
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> GetTokenAsync(
        string tunnel, TunnelDbContext db, TokenIssuer tokens, CancellationToken ct)
    {
        var entity = await FindAsync(db, tunnel, ct);
        return entity is null
            ? Problems.UnknownTunnel(tunnel)
            : TypedResults.Ok(new TokenResponse(entity.Id, tokens.TokenFor(entity.Id, entity.SecretGeneration)));
    }

    private static TunnelResponse ToResponse(TunnelEntity t, int connections) =>
        new(t.Id, t.Name, t.CreatedAt, t.Hostnames.Select(h => h.Name).Order(StringComparer.Ordinal).ToList(), connections);
}
