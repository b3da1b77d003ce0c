using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Traffic;

namespace Tunnel.ControlPlane.Traffic;

/// <summary>
/// The edges' traffic reports, kept a day, and the series the dashboard charts: every edge's samples of a period added
/// up (latency histograms merged by adding bucket counts, percentiles taken from the merged counts).
/// </summary>
public sealed class TrafficStore(TunnelDbContext db, TimeProvider clock)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    /// <param name="Seconds">The time the point covers: its step, less for the current one (rates divide by it).</param>
    public sealed record Point(long T, int Seconds, long Requests, long Status4xx, long Status5xx, long NoConnector, long OriginUnreachable, long AccessRefused,
        long OtherEdge, long BytesIn, long BytesOut, double? P50, double? P95, double? P99);

    /// <param name="StepSeconds">The width of each point; rates per second are a point's counts divided by it.</param>
    public sealed record Series(string Range, int StepSeconds, IReadOnlyList<string> Hostnames, IReadOnlyList<Point> Points, Point Total);

    /// <summary>The ranges the charts offer: how far back, and the width of a point.</summary>
    public static readonly IReadOnlyDictionary<string, (int Seconds, int Step)> Ranges = new Dictionary<string, (int, int)>
    {
        ["1h"] = (3600, 30),
        ["24h"] = (86400, 600),
    };

    public async Task SaveAsync(TrafficReport report, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var reportId = Columns.Cut(report.ReportId, 64);
        if (await db.TrafficSamples.AnyAsync(t => t.EdgeId == report.EdgeId && t.ReportId == reportId, ct))
        {
            return; // stored already: the edge did not hear our answer and sent it again
        }

        var known = (await db.Tunnels.AsNoTracking().Select(t => t.Id).ToListAsync(ct)).ToHashSet();
        foreach (var s in report.Samples)
        {
            if (!Guid.TryParse(s.TunnelId, out var tunnelId) || !known.Contains(tunnelId) || s.Latency.Count > LatencyBuckets.Count)
            {
                continue; // a tunnel deleted meanwhile, or an edge of another version
            }

            db.TrafficSamples.Add(new TrafficSampleEntity
            {
                TunnelId = tunnelId, Hostname = Columns.Cut(s.Hostname, 253), EdgeId = Columns.Cut(report.EdgeId, 128), ReportId = reportId,
                At = now, Requests = s.Requests, Status4xx = s.Status4Xx, Status5xx = s.Status5Xx, NoConnector = s.NoConnector,
                OriginUnreachable = s.OriginUnreachable, AccessRefused = s.AccessRefused, OtherEdge = s.OtherEdge, BytesIn = s.BytesIn, BytesOut = s.BytesOut,
                Latency = string.Join(',', s.Latency.Select(c => c.ToString(CultureInfo.InvariantCulture))),
            });
        }

        await db.SaveChangesAsync(ct);
        var cutoff = now - (long)Retention.TotalSeconds;
        await db.TrafficSamples.Where(t => t.At < cutoff).ExecuteDeleteAsync(ct);
    }

    /// <summary>A tunnel's series over a range (see <see cref="Ranges"/>), for one hostname or all; null for an unknown range.</summary>
    public async Task<Series?> SeriesAsync(Guid tunnelId, string range, string? hostname, CancellationToken ct)
    {
        if (!Ranges.TryGetValue(range, out var r))
        {
            return null;
        }

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var end = (now / r.Step + 1) * r.Step; // the current, growing point is the last
        var start = end - r.Seconds;
        var rows = await db.TrafficSamples.AsNoTracking().Where(t => t.TunnelId == tunnelId && t.At >= start).ToListAsync(ct);
        var hostnames = rows.Select(t => t.Hostname).Distinct().Order(StringComparer.Ordinal).ToList();
        if (!string.IsNullOrEmpty(hostname))
        {
            rows = rows.Where(t => t.Hostname == hostname).ToList();
        }

        var byStep = rows.GroupBy(t => (t.At - start) / r.Step).ToDictionary(g => g.Key, g => g.ToList());
        var points = Enumerable.Range(0, r.Seconds / r.Step)
            .Select(i => start + ((long)i * r.Step))
            .Select((t, i) => Sum(t, (int)Math.Clamp(now - t, 1, r.Step), byStep.GetValueOrDefault(i) ?? []))
            .ToList();
        return new Series(range, r.Step, hostnames, points, Sum(start, (int)Math.Max(1, now - start), rows));
    }

    /// <summary>Requests per minute of the last hour for every tunnel that had any: the overview's sparklines.</summary>
    public async Task<Dictionary<Guid, long[]>> LastHourPerMinuteAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var start = (now / 60 + 1) * 60 - 3600;
        var rows = await db.TrafficSamples.AsNoTracking().Where(t => t.At >= start).Select(t => new { t.TunnelId, t.At, t.Requests }).ToListAsync(ct);
        return rows.GroupBy(t => t.TunnelId).ToDictionary(g => g.Key, g =>
        {
            var minutes = new long[60];
            foreach (var t in g)
            {
                minutes[Math.Clamp((int)((t.At - start) / 60), 0, 59)] += t.Requests;
            }

            return minutes;
        });
    }

    private static Point Sum(long t, int seconds, List<TrafficSampleEntity> rows)
    {
        var latency = new long[LatencyBuckets.Count];
        foreach (var row in rows)
        {
            var i = 0;
            foreach (var part in row.Latency.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (i < latency.Length && long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    latency[i] += count;
                }

                i++;
            }
        }

        return new Point(t, seconds, rows.Sum(r => r.Requests), rows.Sum(r => r.Status4xx), rows.Sum(r => r.Status5xx), rows.Sum(r => r.NoConnector),
            rows.Sum(r => r.OriginUnreachable), rows.Sum(r => r.AccessRefused), rows.Sum(r => r.OtherEdge), rows.Sum(r => r.BytesIn), rows.Sum(r => r.BytesOut),
            Round(LatencyBuckets.Quantile(latency, 0.5)), Round(LatencyBuckets.Quantile(latency, 0.95)), Round(LatencyBuckets.Quantile(latency, 0.99)));
    }

    private static double? Round(double? ms) => ms is { } v ? Math.Round(v, 2) : null;
}
