using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Audit;

/// <summary>
/// The audit trail filtered as the API and the dashboard offer it: actor, action, tunnel, a time window, newest
/// first, paged by id. Ids grow with time, so a window becomes an id range found by binary search: SQLite cannot
/// compare DateTimeOffset columns in SQL, and this way both stores run the same query.
/// </summary>
public sealed record AuditFilter(long? After = null, Guid? Tunnel = null, string? Actor = null, string? Action = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public async Task<IQueryable<AuditEventEntity>> QueryAsync(TunnelDbContext db, CancellationToken ct)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (After is { } id)
        {
            query = query.Where(e => e.Id < id);
        }

        if (Tunnel is { } tunnelId)
        {
            query = query.Where(e => e.TunnelId == tunnelId);
        }

        if (!string.IsNullOrEmpty(Actor))
        {
            query = query.Where(e => e.Actor == Actor);
        }

        if (!string.IsNullOrEmpty(Action))
        {
            query = query.Where(e => e.Action == Action);
        }

        if (From is { } from)
        {
            var first = await FirstIdAsync(db, at => at >= from, ct);
            query = query.Where(e => e.Id >= first);
        }

        if (To is { } to)
        {
            var end = await FirstIdAsync(db, at => at > to, ct);
            query = query.Where(e => e.Id < end);
        }

        return query.OrderByDescending(e => e.Id);
    }

    /// <summary>The smallest id from which every event satisfies <paramref name="reached"/> (one past the last id when none does).</summary>
    private static async Task<long> FirstIdAsync(TunnelDbContext db, Func<DateTimeOffset, bool> reached, CancellationToken ct)
    {
        var events = db.AuditEvents.AsNoTracking();
        if (await events.MaxAsync(e => (long?)e.Id, ct) is not { } last)
        {
            return 0;
        }

        long low = 0, high = last + 1;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            var next = await events.Where(e => e.Id >= mid).OrderBy(e => e.Id).Select(e => new { e.Id, e.At }).FirstAsync(ct);
            if (reached(next.At))
            {
                high = mid;
            }
            else
            {
                low = next.Id + 1;
            }
        }

        return low;
    }
}
