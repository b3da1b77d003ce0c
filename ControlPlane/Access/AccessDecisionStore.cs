using System.Text.Json;
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

    /// <summary>
    /// Stores an edge's batch (fields cut to the columns' sizes) and drops what is past retention. Times are the
    /// control plane's (an edge reports within seconds), so an edge's wrong clock cannot age out others' records.
    /// </summary>
    public async Task SaveAsync(AccessDecisionReport report, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        foreach (var d in report.Decisions)
        {
            db.AccessDecisions.Add(new AccessDecisionEntity
            {
                RequestId = Columns.Cut(d.RequestId, 128),
                EdgeId = Columns.Cut(report.EdgeId, 128),
                At = now,
                Method = Columns.Cut(d.Method, 32),
                Host = Columns.Cut(d.Host, 253),
                Path = Columns.Cut(d.Path, 2048),
                ApplicationId = Guid.TryParse(d.ApplicationId, out var app) ? app : null,
                Application = Columns.Cut(d.Application, 64),
                ReasonCode = Columns.Cut(d.ReasonCode, 64),
                Email = NullIfEmpty(Columns.Cut(d.Email, 320)),
                Groups = d.Groups.Count == 0 ? null : Columns.Cut(JsonSerializer.Serialize(d.Groups.Take(64)), 2048),
                ServiceToken = NullIfEmpty(Columns.Cut(d.ServiceToken, 128)),
                ClientIp = NullIfEmpty(Columns.Cut(d.ClientIp, 64)),
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
    public async Task PruneAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - Retention;
        var oldest = await db.AccessDecisions.AsNoTracking().OrderBy(d => d.Id).Take(1000).Select(d => new { d.Id, d.At }).ToListAsync(ct);
        var expired = oldest.TakeWhile(d => d.At < cutoff).Select(d => d.Id).DefaultIfEmpty(0).Max();
        var newest = await db.AccessDecisions.MaxAsync(d => (long?)d.Id, ct) ?? 0;
        var last = Math.Max(expired, newest - MaxKept);
        if (last > 0)
        {
            await db.AccessDecisions.Where(d => d.Id <= last).ExecuteDeleteAsync(ct);
        }
    }

    public async Task<List<AccessDecisionEntity>> FindAsync(string requestId, CancellationToken ct)
    {
        await PruneAsync(ct); // also when no edge has reported for a while
        return await db.AccessDecisions.AsNoTracking().Where(d => d.RequestId == requestId).OrderByDescending(d => d.Id).Take(10).ToListAsync(ct);
    }

    /// <summary>The groups as stored (a JSON array).</summary>
    public static IReadOnlyList<string> GroupsOf(AccessDecisionEntity d)
    {
        try
        {
            return d.Groups is null ? [] : JsonSerializer.Deserialize<List<string>>(d.Groups) ?? [];
        }
        catch (JsonException)
        {
            return [d.Groups!]; // cut at the column's size
        }
    }


    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
