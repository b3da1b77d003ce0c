using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Access;

/// <summary>Refusals the edges report, kept for <see cref="Retention"/> and found by request id.</summary>
public sealed class AccessDecisionStore(TunnelDbContext db, TimeProvider clock)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    /// <summary>At most this many are kept, whatever their age: a flood of refusals cannot fill the database.</summary>
    public const int MaxKept = 100_000;

    /// <summary>Stores an edge's batch (fields cut to the columns' sizes) and drops what is past retention.</summary>
    public async Task SaveAsync(AccessDecisionReport report, CancellationToken ct)
    {
        foreach (var d in report.Decisions)
        {
            db.AccessDecisions.Add(new AccessDecisionEntity
            {
                RequestId = Cut(d.RequestId, 128),
                EdgeId = Cut(report.EdgeId, 128),
                At = d.At?.ToDateTimeOffset() ?? clock.GetUtcNow(),
                Method = Cut(d.Method, 32),
                Host = Cut(d.Host, 253),
                Path = Cut(d.Path, 2048),
                ApplicationId = Guid.TryParse(d.ApplicationId, out var app) ? app : null,
                Application = Cut(d.Application, 64),
                ReasonCode = Cut(d.ReasonCode, 64),
                Email = NullIfEmpty(Cut(d.Email, 320)),
                Groups = NullIfEmpty(Cut(string.Join(",", d.Groups), 2048)),
                ServiceToken = NullIfEmpty(Cut(d.ServiceToken, 128)),
                ClientIp = NullIfEmpty(Cut(d.ClientIp, 64)),
                ExplanationJson = d.ExplanationJson,
            });
        }

        await db.SaveChangesAsync(ct);
        await PruneAsync(ct);
    }

    /// <summary>
    /// Drops the oldest rows past retention or past <see cref="MaxKept"/>, by id (ids grow with time): SQLite cannot
    /// compare DateTimeOffset columns in SQL, so ages are read for the oldest few and compared here.
    /// </summary>
    private async Task PruneAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - Retention;
        var oldest = await db.AccessDecisions.AsNoTracking().OrderBy(d => d.Id).Take(1000).Select(d => new { d.Id, d.At }).ToListAsync(ct);
        var expired = oldest.Where(d => d.At < cutoff).Select(d => d.Id).DefaultIfEmpty(0).Max();
        var newest = await db.AccessDecisions.MaxAsync(d => (long?)d.Id, ct) ?? 0;
        var last = Math.Max(expired, newest - MaxKept);
        if (last > 0)
        {
            await db.AccessDecisions.Where(d => d.Id <= last).ExecuteDeleteAsync(ct);
        }
    }

    public Task<List<AccessDecisionEntity>> FindAsync(string requestId, CancellationToken ct) =>
        db.AccessDecisions.AsNoTracking().Where(d => d.RequestId == requestId).OrderByDescending(d => d.Id).Take(10).ToListAsync(ct);

    private static string Cut(string value, int max) => value.Length <= max ? value : value[..max];

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
