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
    TokenIssuer tokens, IOptions<ControlPlaneOptions> options, TimeProvider clock)
{
    private QuickTunnelOptions Settings => options.Value.QuickTunnels;

    /// <summary>At most this many --allow-email and --allow-domain entries together (each becomes a selector in every edge's snapshot).</summary>
    public const int MaxAllowEntries = 20;

    private static readonly SemaphoreSlim OpenOneAtATime = new(1, 1);

    /// <param name="owner">Whom the per-owner cap counts: "token:NAME" for a token holder, else the client's address bucket (<see cref="QuickTunnelOwner"/>).</param>
    public async Task<Outcome<QuickTunnelCreated>> OpenAsync(QuickTunnelRequest request, string owner, bool anonymous, CancellationToken ct)
    {
        var o = Settings;
        if (!o.Enabled)
        {
            return Fail(FailureKind.Conflict, "quick tunnels are off on this control plane: its operator enables them with ControlPlane:QuickTunnels:Enabled=true");
        }

        if (o.MaxLifetime <= TimeSpan.Zero || o.GracePeriod <= TimeSpan.Zero)
        {
            return Fail(FailureKind.Conflict, "ControlPlane:QuickTunnels:MaxLifetime and GracePeriod must be positive durations: the operator must fix them");
        }

        var lifetime = o.MaxLifetime;
        if (request.Ttl is { } ttl)
        {
            if (!OriginRequest.TryParseDuration(ttl, out lifetime))
            {
                return Fail(FailureKind.Invalid, $"ttl '{Columns.Cut(ttl, 40)}' is not a duration: write it like 30m or 2h");
            }

            if (lifetime > o.MaxLifetime)
            {
                return Fail(FailureKind.Invalid, $"ttl {ttl} is longer than quick tunnels may live here ({Describe(o.MaxLifetime)}, ControlPlane:QuickTunnels:MaxLifetime)");
            }
        }

        var emails = request.AllowEmails ?? [];
        var domains = request.AllowDomains ?? [];
        if (emails.Count + domains.Count > 0 && anonymous)
        {
            // The operator's login in front of a stranger's server would tell that server who its visitors are.
            return Fail(FailureKind.Invalid, "gating a quick tunnel with Access (--allow-email, --allow-domain) needs an API token of role quick: anonymous quick tunnels cannot use this control plane's login");
        }

        if (emails.Count + domains.Count > MaxAllowEntries)
        {
            return Fail(FailureKind.Invalid, $"at most {MaxAllowEntries} --allow-email and --allow-domain entries together; got {emails.Count + domains.Count}");
        }

        if (emails.FirstOrDefault(e => !QuickTunnelOwner.IsEmail(e)) is { } badEmail)
        {
            return Fail(FailureKind.Invalid, $"'{Columns.Cut(badEmail, 80)}' is not an email address (name@example.com)");
        }

        if (domains.FirstOrDefault(d => !QuickTunnelOwner.IsDomain(d)) is { } badDomain)
        {
            return Fail(FailureKind.Invalid, $"'{Columns.Cut(badDomain, 80)}' is not an email domain (example.com)");
        }

        // One open at a time (and, on Postgres, one across replicas): the caps are counted and the tunnel written
        // as one unit, so concurrent opens cannot all see room. Past validation nothing is cancelled: a client that
        // goes away mid-open leaves a whole quick tunnel (reaped) or none, never half of one.
        await OpenOneAtATime.WaitAsync(ct);
        try
        {
            return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
                if (db.Database.IsNpgsql())
                {
                    await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(7844001)", CancellationToken.None);
                }

                var open = await db.Tunnels.AsNoTracking().Where(t => t.Quick).Select(t => t.QuickClientAddress).ToListAsync(CancellationToken.None);
                if (open.Count >= o.MaxTotal)
                {
                    return Fail(FailureKind.Conflict,
                        $"this control plane has {open.Count} quick tunnels open, the most it allows (ControlPlane:QuickTunnels:MaxTotal): try again when one closes");
                }

                var mine = open.Count(a => a == owner);
                if (mine >= o.MaxPerClientAddress)
                {
                    return Fail(FailureKind.Conflict,
                        $"{(owner.StartsWith("token:", StringComparison.Ordinal) ? "your token" : $"your address ({owner})")} has {mine} quick tunnels open, the most allowed per address or token (ControlPlane:QuickTunnels:MaxPerClientAddress): stop one first");
                }

                string name, hostname;
                var attempt = 0;
                do
                {
                    name = QuickTunnelNames.Next();
                    hostname = $"{name}.{o.Domain}";
                    if (++attempt > 5)
                    {
                        return Fail(FailureKind.Conflict, "could not find a free quick-tunnel name; try again");
                    }
                }
                while (await db.Tunnels.AnyAsync(t => t.Name == name, CancellationToken.None) || await db.Hostnames.AnyAsync(h => h.Name == hostname, CancellationToken.None));

                if (await CoveringApplicationAsync(hostname) is { } covering)
                {
                    // Behind the operator's gate, a stranger's origin would receive its visitors' sessions (the assertion
                    // is a session token for every name that application covers): no quick tunnel opens there.
                    return emails.Count + domains.Count > 0
                        ? Fail(FailureKind.Invalid, $"the Access application '{covering}' already covers {hostname}: the operator's gate applies, and cannot be replaced by --allow-email or --allow-domain")
                        : Fail(FailureKind.Conflict, $"the Access application '{covering}' covers {hostname}, so a quick tunnel there would receive the sessions of that application's users: " +
                            "the operator must keep ControlPlane:QuickTunnels:Domain outside every Access application's domains");
                }

                var now = clock.GetUtcNow();
                var id = Guid.NewGuid();
                var key = SecretHash.NewSecret();
                var entity = new TunnelEntity
                {
                    Id = id, Name = name, SecretHash = tokens.SecretHashFor(id, 0), CreatedAt = now, Quick = true, ExpiresAt = now + lifetime,
                    QuickClientAddress = owner, QuickKeyHash = SecretHash.Hash(key),
                };
                entity.Hostnames.Add(new HostnameEntity { Name = hostname, TunnelId = id, CreatedAt = now });
                db.Tunnels.Add(entity);
                audit.Record("quick.open", name, id, $"{hostname} for {Describe(lifetime)}, by {owner}" + (emails.Count + domains.Count > 0 ? ", gated by Access" : ""));
                await db.SaveChangesAsync(CancellationToken.None);
                if (emails.Count + domains.Count > 0)
                {
                    var include = emails.Select(e => new AccessSelector(Email: e)).Concat(domains.Select(d => new AccessSelector(EmailDomain: d))).ToList();
                    var app = await access.SaveApplicationAsync(null, $"quick-{name}", [hostname], 60,
                        [new AccessPolicy("who may reach it", AccessActions.Allow, include)], CancellationToken.None);
                    if (!app.Succeeded)
                    {
                        return Fail(FailureKind.Invalid, app.Error!); // rolled back with the transaction
                    }

                    entity.QuickAccessAppId = app.Value!.Id;
                    await db.SaveChangesAsync(CancellationToken.None);
                }

                await transaction.CommitAsync(CancellationToken.None);
                signal.NotifyChanged();
                var port = o.PublicPort == 443 ? "" : $":{o.PublicPort}";
                return (Outcome<QuickTunnelCreated>)new QuickTunnelCreated(id, name, hostname, $"https://{hostname}{port}", tokens.TokenFor(id, 0), key,
                    entity.ExpiresAt.Value, entity.QuickAccessAppId);
            });
        }
        finally
        {
            OpenOneAtATime.Release();
        }
    }

    /// <summary>An existing Access application whose domains cover the hostname (exactly, or by a wildcard above it).</summary>
    private async Task<string?> CoveringApplicationAsync(string hostname)
    {
        foreach (var app in await access.ListApplicationsAsync(CancellationToken.None))
        {
            foreach (var domain in app.Domains)
            {
                var host = domain.Split('/')[0];
                if (host == hostname || (host.StartsWith("*.", StringComparison.Ordinal) && hostname.EndsWith(host[1..], StringComparison.Ordinal)))
                {
                    return app.Name;
                }
            }
        }

        return null;
    }

    private static Outcome<QuickTunnelCreated> Fail(FailureKind kind, string error) => Outcome<QuickTunnelCreated>.Fail(kind, error);

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
        try
        {
            var deleted = await catalog.DeleteAsync(id.ToString(), ct);
            return deleted.Succeeded ? tunnel.Name : Outcome<string>.Fail(deleted.Kind, deleted.Error!);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return tunnel.Name; // closed meanwhile (its process and the reaper, or another replica): closed is closed
        }
    }

    private static string Describe(TimeSpan t) => t.TotalHours >= 1 && t.TotalHours % 1 == 0 ? $"{t.TotalHours:0}h" : $"{t.TotalMinutes:0.#}m";
}
