using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Ingress;

namespace Tunnel.ControlPlane.Tunnels;

/// <summary>
/// Every change to tunnels and their hostnames, for the API and the dashboard alike: validated, audited in the
/// same save, and pushed to the edges.
/// </summary>
public sealed class TunnelCatalog(TunnelDbContext db, TokenIssuer tokens, AuditLog audit, ConfigChangeSignal signal, TimeProvider clock)
{
    public Task<TunnelEntity?> FindAsync(string tunnel, CancellationToken ct) =>
        Guid.TryParse(tunnel, out var id)
            ? db.Tunnels.Include(t => t.Hostnames).FirstOrDefaultAsync(t => t.Id == id, ct)
            : db.Tunnels.Include(t => t.Hostnames).FirstOrDefaultAsync(t => t.Name == tunnel, ct);

    public async Task<Outcome<(TunnelEntity Tunnel, string Token)>> CreateAsync(string? name, CancellationToken ct)
    {
        if (NameRules.TunnelNameError(name) is { } error)
        {
            return Outcome<(TunnelEntity, string)>.Fail(FailureKind.Invalid, error);
        }

        if (await db.Tunnels.AnyAsync(t => t.Name == name, ct))
        {
            return Outcome<(TunnelEntity, string)>.Fail(FailureKind.Conflict, $"a tunnel named '{name}' already exists: pick another name or delete it with `tunnel delete {name}`");
        }

        var id = Guid.NewGuid();
        var entity = new TunnelEntity { Id = id, Name = name!, SecretHash = tokens.SecretHashFor(id, 0), CreatedAt = clock.GetUtcNow() };
        db.Tunnels.Add(entity);
        audit.Record("tunnel.create", name!, id);
        if (!await TrySaveAsync(ct))
        {
            return Outcome<(TunnelEntity, string)>.Fail(FailureKind.Conflict, $"a tunnel named '{name}' already exists");
        }

        return (entity, tokens.TokenFor(id, 0));
    }

    public async Task<Outcome<TunnelEntity>> RenameAsync(string tunnel, string? newName, CancellationToken ct)
    {
        if (NameRules.TunnelNameError(newName) is { } error)
        {
            return Outcome<TunnelEntity>.Fail(FailureKind.Invalid, error);
        }

        var entity = await FindAsync(tunnel, ct);
        if (entity is null)
        {
            return UnknownTunnel<TunnelEntity>(tunnel);
        }

        if (entity.Name == newName)
        {
            return entity;
        }

        if (await db.Tunnels.AnyAsync(t => t.Name == newName, ct))
        {
            return Outcome<TunnelEntity>.Fail(FailureKind.Conflict, $"a tunnel named '{newName}' already exists");
        }

        audit.Record("tunnel.rename", newName!, entity.Id, $"was {entity.Name}");
        entity.Name = newName!;
        return await TrySaveAsync(ct) ? entity : Outcome<TunnelEntity>.Fail(FailureKind.Conflict, $"a tunnel named '{newName}' already exists");
    }

    public async Task<Outcome<TunnelEntity>> DeleteAsync(string tunnel, CancellationToken ct)
    {
        var entity = await FindAsync(tunnel, ct);
        if (entity is null)
        {
            return UnknownTunnel<TunnelEntity>(tunnel);
        }

        db.Tunnels.Remove(entity);
        if (entity.QuickAccessAppId is { } app && await db.AccessApplications.FirstOrDefaultAsync(a => a.Id == app, ct) is { } made)
        {
            db.AccessApplications.Remove(made); // made for the quick tunnel alone
        }

        audit.Record("tunnel.delete", entity.Name, entity.Id);
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return entity;
    }

    /// <summary>A new secret: edges drop every connection made with the old one as soon as the change reaches them.</summary>
    public async Task<Outcome<(TunnelEntity Tunnel, string Token)>> RotateAsync(string tunnel, CancellationToken ct)
    {
        var entity = await FindAsync(tunnel, ct);
        if (entity is null)
        {
            return UnknownTunnel<(TunnelEntity, string)>(tunnel);
        }

        entity.SecretGeneration++;
        entity.SecretHash = tokens.SecretHashFor(entity.Id, entity.SecretGeneration);
        audit.Record("tunnel.rotate_secret", entity.Name, entity.Id, $"generation {entity.SecretGeneration}");
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return (entity, tokens.TokenFor(entity.Id, entity.SecretGeneration));
    }

    /// <summary>The current token, shown again on request; reading it is audited.</summary>
    public async Task<Outcome<(TunnelEntity Tunnel, string Token)>> RevealTokenAsync(string tunnel, CancellationToken ct)
    {
        var entity = await FindAsync(tunnel, ct);
        if (entity is null)
        {
            return UnknownTunnel<(TunnelEntity, string)>(tunnel);
        }

        audit.Record("tunnel.token_read", entity.Name, entity.Id);
        await db.SaveChangesAsync(ct);
        return (entity, tokens.TokenFor(entity.Id, entity.SecretGeneration));
    }

    public async Task<Outcome<(TunnelEntity Tunnel, HostnameEntity Route)>> RouteAsync(string tunnel, string? hostname, CancellationToken ct)
    {
        if (!NameRules.TryNormalizeHostname(hostname, out var name, out var error))
        {
            return Outcome<(TunnelEntity, HostnameEntity)>.Fail(FailureKind.Invalid, error);
        }

        var entity = await FindAsync(tunnel, ct);
        if (entity is null)
        {
            return UnknownTunnel<(TunnelEntity, HostnameEntity)>(tunnel);
        }

        var existing = await db.Hostnames.AsNoTracking().FirstOrDefaultAsync(h => h.Name == name, ct);
        if (existing is not null)
        {
            var owner = await db.Tunnels.AsNoTracking().Where(t => t.Id == existing.TunnelId).Select(t => t.Name).FirstAsync(ct);
            return Outcome<(TunnelEntity, HostnameEntity)>.Fail(FailureKind.Conflict,
                $"hostname '{name}' is already routed to tunnel '{owner}': remove that route first (`tunnel route delete {name}`)");
        }

        var route = new HostnameEntity { Name = name, TunnelId = entity.Id, CreatedAt = clock.GetUtcNow() };
        db.Hostnames.Add(route);
        audit.Record("hostname.route", name, entity.Id, $"to tunnel {entity.Name}");
        if (!await TrySaveAsync(ct))
        {
            return Outcome<(TunnelEntity, HostnameEntity)>.Fail(FailureKind.Conflict, $"hostname '{name}' is already routed to a tunnel");
        }

        return (entity, route);
    }

    public async Task<Outcome<HostnameEntity>> UnrouteAsync(string hostname, CancellationToken ct)
    {
        var name = hostname.Trim().TrimEnd('.').ToLowerInvariant();
        var route = await db.Hostnames.FirstOrDefaultAsync(h => h.Name == name, ct);
        if (route is null)
        {
            return Outcome<HostnameEntity>.Fail(FailureKind.NotFound, $"hostname '{hostname}' is not routed to any tunnel");
        }

        db.Hostnames.Remove(route);
        audit.Record("hostname.unroute", name, route.TunnelId);
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return route;
    }

    /// <summary>
    /// Manages the tunnel's ingress here (its connectors then need no --url or config.yml); null hands it back to
    /// the connectors. Validated as a connector validates config.yml, except for files that live on its host.
    /// </summary>
    public async Task<Outcome<TunnelEntity>> SetIngressAsync(string tunnel, IReadOnlyList<IngressRuleSpec>? rules, CancellationToken ct)
    {
        string? json = null;
        if (rules is not null)
        {
            try
            {
                var validated = IngressRuleSet.Validate(rules, checkFiles: false);
                // Stored as validated (lower-case hostnames, canonical services), so what the edge routes by and what
                // the connector serves are the same text.
                json = IngressJson.Serialize(validated.Rules.Select(r => new IngressRuleSpec(
                    r.Hostname.Length == 0 ? null : r.Hostname, r.Path.Length == 0 ? null : r.Path, r.Service.Text,
                    r.OriginRequest == OriginRequest.Default ? null : r.OriginRequest)).ToList());
            }
            catch (IngressException ex)
            {
                return Outcome<TunnelEntity>.Fail(FailureKind.Invalid, ex.Message);
            }
        }

        var entity = await FindAsync(tunnel, ct);
        if (entity is null)
        {
            return UnknownTunnel<TunnelEntity>(tunnel);
        }

        entity.IngressJson = json;
        audit.Record(json is null ? "tunnel.ingress_local" : "tunnel.ingress_set", entity.Name, entity.Id,
            json is null ? "ingress handed back to the connectors" : $"{rules!.Count} rules");
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return entity;
    }

    private async Task<bool> TrySaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            signal.NotifyChanged();
            return true;
        }
        catch (DbUpdateException)
        {
            return false; // a unique name taken by a concurrent request
        }
    }

    private static Outcome<T> UnknownTunnel<T>(string tunnel) =>
        Outcome<T>.Fail(FailureKind.NotFound, $"no tunnel named or with id '{tunnel}': list them with `tunnel list`");
}
