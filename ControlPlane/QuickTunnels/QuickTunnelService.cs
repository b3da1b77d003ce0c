using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Tunnel.ControlPlane.Access;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Access;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.QuickTunnels;

/// <summary>What `tunnel quick` asks for: a lifetime, and optionally who may reach it (an Access application made for it).</summary>
public sealed record QuickTunnelRequest(string? Ttl = null, IReadOnlyList<string>? AllowEmails = null, IReadOnlyList<string>? AllowDomains = null);

/// <summary>The quick tunnel: its public URL, the token its connector runs with, and the key that removes it (shown once).</summary>
public sealed record QuickTunnelCreated(Guid Id, string Name, string Hostname, string Url, string Token, string Key, DateTimeOffset ExpiresAt, Guid? AccessApplicationId);

/// <summary>
/// Opens and closes quick tunnels: a random name under the quick domain, routed at once, within the operator's caps
/// (per client address, in total, lifetime). Refusals say which limit was hit. Closing removes the tunnel, its
/// hostname and its Access application; <see cref="QuickTunnelReaper"/> closes the ones whose process went away.
/// </summary>
public sealed class QuickTunnelService(TunnelDbContext db, TunnelCatalog catalog, AccessCatalog access, AuditLog audit, ConfigChangeSignal signal,
    IOptions<ControlPlaneOptions> options, TimeProvider clock)
{
    private QuickTunnelOptions Settings => options.Value.QuickTunnels;

    public async Task<Outcome<QuickTunnelCreated>> OpenAsync(QuickTunnelRequest request, string clientAddress, CancellationToken ct)
    {
        var o = Settings;
        if (!o.Enabled)
        {
            return Outcome<QuickTunnelCreated>.Fail(FailureKind.Conflict,
                "quick tunnels are off on this control plane: its operator enables them with ControlPlane:QuickTunnels:Enabled=true");
        }

        var lifetime = o.MaxLifetime;
        if (request.Ttl is { } ttl)
        {
            if (!OriginRequest.TryParseDuration(ttl, out lifetime))
            {
                return Outcome<QuickTunnelCreated>.Fail(FailureKind.Invalid, $"ttl '{ttl}' is not a duration: write it like 30m or 2h");
            }

            if (lifetime > o.MaxLifetime)
            {
                return Outcome<QuickTunnelCreated>.Fail(FailureKind.Invalid,
                    $"ttl {ttl} is longer than quick tunnels may live here ({Describe(o.MaxLifetime)}, ControlPlane:QuickTunnels:MaxLifetime)");
            }
        }

        var open = await db.Tunnels.AsNoTracking().Where(t => t.Quick).Select(t => t.QuickClientAddress).ToListAsync(ct);
        if (open.Count >= o.MaxTotal)
        {
            return Outcome<QuickTunnelCreated>.Fail(FailureKind.Conflict,
                $"this control plane has {open.Count} quick tunnels open, the most it allows (ControlPlane:QuickTunnels:MaxTotal): try again when one closes");
        }

        var mine = open.Count(a => a == clientAddress);
        if (mine >= o.MaxPerClientAddress)
        {
            return Outcome<QuickTunnelCreated>.Fail(FailureKind.Conflict,
                $"your address ({clientAddress}) has {mine} quick tunnels open, the most allowed per address (ControlPlane:QuickTunnels:MaxPerClientAddress): stop one first");
        }

        var emails = request.AllowEmails ?? [];
        var domains = request.AllowDomains ?? [];
        for (var attempt = 0; ; attempt++)
        {
            var name = QuickTunnelNames.Next();
            var hostname = $"{name}.{o.Domain}";
            if (await db.Tunnels.AnyAsync(t => t.Name == name, ct) || await db.Hostnames.AnyAsync(h => h.Name == hostname, ct))
            {
                if (attempt < 5)
                {
                    continue; // taken: draw again
                }

                return Outcome<QuickTunnelCreated>.Fail(FailureKind.Conflict, "could not find a free quick-tunnel name; try again");
            }

            var created = await catalog.CreateAsync(name, ct);
            if (!created.Succeeded)
            {
                return Outcome<QuickTunnelCreated>.Fail(created.Kind, created.Error!);
            }

            var (tunnel, token) = created.Value;
            var routed = await catalog.RouteAsync(tunnel.Id.ToString(), hostname, ct);
            if (!routed.Succeeded)
            {
                await catalog.DeleteAsync(tunnel.Id.ToString(), ct);
                return Outcome<QuickTunnelCreated>.Fail(routed.Kind, $"the quick domain cannot be routed: {routed.Error}");
            }

            Guid? appId = null;
            if (emails.Count > 0 || domains.Count > 0)
            {
                var include = emails.Select(e => new AccessSelector(Email: e)).Concat(domains.Select(d => new AccessSelector(EmailDomain: d))).ToList();
                var app = await access.SaveApplicationAsync(null, $"quick-{name}", [hostname], 60, [new AccessPolicy("who may reach it", AccessActions.Allow, include)], ct);
                if (!app.Succeeded)
                {
                    await catalog.DeleteAsync(tunnel.Id.ToString(), ct);
                    return Outcome<QuickTunnelCreated>.Fail(FailureKind.Invalid, app.Error!);
                }

                appId = app.Value!.Id;
            }

            var key = SecretHash.NewSecret();
            var entity = await db.Tunnels.FirstAsync(t => t.Id == tunnel.Id, ct);
            entity.Quick = true;
            entity.ExpiresAt = clock.GetUtcNow() + lifetime;
            entity.QuickClientAddress = Columns.Cut(clientAddress, 64);
            entity.QuickKeyHash = SecretHash.Hash(key);
            entity.QuickAccessAppId = appId;
            audit.Record("quick.open", name, tunnel.Id, $"{hostname} for {Describe(lifetime)}, from {clientAddress}" + (appId is null ? "" : ", gated by Access"));
            await db.SaveChangesAsync(ct);
            signal.NotifyChanged();
            var port = o.PublicPort == 443 ? "" : $":{o.PublicPort}";
            return new QuickTunnelCreated(tunnel.Id, name, hostname, $"https://{hostname}{port}", token, key, entity.ExpiresAt.Value, appId);
        }
    }

    /// <summary>Closes a quick tunnel for the process that holds its key (or for the reaper, without one).</summary>
    public async Task<Outcome<string>> CloseAsync(Guid id, string? key, string reason, CancellationToken ct)
    {
        var tunnel = await db.Tunnels.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id && t.Quick, ct);
        if (tunnel is null || (key is not null && (tunnel.QuickKeyHash is not { } hash || !SecretHash.Matches(key, hash))))
        {
            // The same answer for a wrong key and an unknown id: the key is the only proof of ownership.
            return Outcome<string>.Fail(FailureKind.NotFound, $"no quick tunnel {id} that this key closes (it may have been closed already)");
        }

        audit.Record("quick.close", tunnel.Name, tunnel.Id, reason, actor: key is null ? "system" : $"quick:{tunnel.Name}");
        var deleted = await catalog.DeleteAsync(id.ToString(), ct);
        return deleted.Succeeded ? tunnel.Name : Outcome<string>.Fail(deleted.Kind, deleted.Error!);
    }

    private static string Describe(TimeSpan t) => t.TotalHours >= 1 && t.TotalHours % 1 == 0 ? $"{t.TotalHours:0}h" : $"{t.TotalMinutes:0.#}m";
}
