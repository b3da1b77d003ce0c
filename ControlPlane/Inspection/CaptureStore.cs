using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Inspection;

/// <summary>What the list shows of a capture (no bodies).</summary>
public sealed record CaptureSummary(long Id, string ExchangeId, DateTimeOffset At, string Hostname, string Method, string Url, string Path, int Status,
    double DurationMs, long RequestBodySize, long ResponseBodySize, string Kind, string Identity, string EdgeId, string? ReplayOf);

/// <summary>The list's filters: routed hostname, method, status class (2xx…5xx), text in the path, text in either body.</summary>
public sealed record CaptureFilter(string? Hostname = null, string? Method = null, string? Status = null, string? Path = null, string? Text = null);

/// <summary>
/// The captures every edge sends, per tunnel: stored once each (a report sent again is recognised by the edge's ids),
/// kept to the tunnel's count and age limits (the oldest go first), listed newest first with filters.
/// </summary>
public sealed class CaptureStore(TunnelDbContext db, TimeProvider clock)
{
    public async Task SaveAsync(CaptureReport report, CancellationToken ct)
    {
        var settings = await db.CaptureSettings.ToDictionaryAsync(s => s.TunnelId, ct);
        var known = (await db.Tunnels.AsNoTracking().Select(t => t.Id).ToListAsync(ct)).ToHashSet();
        var ids = report.Exchanges.Select(e => Columns.Cut(e.Id, 32)).ToList();
        var stored = (await db.Captures.AsNoTracking().Where(c => ids.Contains(c.ExchangeId)).Select(c => c.ExchangeId).ToListAsync(ct)).ToHashSet();
        var touched = new HashSet<Guid>();
        foreach (var e in report.Exchanges)
        {
            if (!Guid.TryParse(e.TunnelId, out var tunnelId) || !known.Contains(tunnelId) || !stored.Add(Columns.Cut(e.Id, 32)))
            {
                continue; // a tunnel deleted meanwhile, or stored already (the edge did not hear our answer)
            }

            touched.Add(tunnelId);
            var url = Columns.Cut(e.Url, 8192);
            db.Captures.Add(new CaptureEntity
            {
                ExchangeId = Columns.Cut(e.Id, 32), TunnelId = tunnelId, Hostname = Columns.Cut(e.Hostname, 253), At = e.At.ToDateTimeOffset().ToUnixTimeMilliseconds(),
                Method = Columns.Cut(e.Method, 32), Url = url, Path = PathOf(url), HttpVersion = Columns.Cut(e.HttpVersion, 16),
                ClientAddress = Columns.Cut(e.ClientAddress, 64), RequestHeadersJson = HeadersJson(e.RequestHeaders), RequestBody = e.RequestBody.ToByteArray(),
                RequestBodySize = e.RequestBodySize, RequestBodyDecoded = Columns.Cut(e.RequestBodyDecoded, 16), Status = e.Status,
                ResponseHeadersJson = HeadersJson(e.ResponseHeaders), ResponseBody = e.ResponseBody.ToByteArray(), ResponseBodySize = e.ResponseBodySize,
                ResponseBodyDecoded = Columns.Cut(e.ResponseBodyDecoded, 16), DurationMs = e.DurationMs, FirstByteMs = e.FirstByteMs < 0 ? null : e.FirstByteMs,
                EdgeId = Columns.Cut(report.EdgeId, 128), ServedByEdge = Columns.Cut(e.ServedByEdge, 128), ConnectorId = Columns.Cut(e.ConnectorId, 64),
                Identity = Columns.Cut(e.Identity, 340), TraceId = Columns.Cut(e.TraceId, 32), RequestId = Columns.Cut(e.RequestId, 128), Kind = Columns.Cut(e.Kind, 16),
                ReplayOf = e.ReplayOf.Length == 0 ? null : Columns.Cut(e.ReplayOf, 32), Redacted = e.Redacted,
                RequestBodyTruncated = e.RequestBodyTruncated, ResponseBodyTruncated = e.ResponseBodyTruncated,
            });
        }

        if (report.Dropped > 0)
        {
            foreach (var s in settings.Values.Where(s => s.Enabled))
            {
                s.Dropped += report.Dropped; // an edge's queue is shared by its tunnels: every tunnel capturing there hears of it
            }
        }

        await db.SaveChangesAsync(ct);
        foreach (var tunnelId in touched)
        {
            var s = settings.GetValueOrDefault(tunnelId);
            await TrimAsync(tunnelId, s?.MaxRequests ?? CaptureSettingsStore.DefaultMaxRequests, s?.RetentionHours ?? CaptureSettingsStore.DefaultRetentionHours, ct);
        }
    }

    /// <summary>Keeps a tunnel's newest <paramref name="maxRequests"/> captures younger than its retention.</summary>
    public async Task TrimAsync(Guid tunnelId, int maxRequests, int retentionHours, CancellationToken ct)
    {
        var oldest = clock.GetUtcNow().AddHours(-retentionHours).ToUnixTimeMilliseconds();
        await db.Captures.Where(c => c.TunnelId == tunnelId && c.At < oldest).ExecuteDeleteAsync(ct);
        var cutoff = await db.Captures.Where(c => c.TunnelId == tunnelId).OrderByDescending(c => c.Seq).Skip(maxRequests).Select(c => (long?)c.Seq).FirstOrDefaultAsync(ct);
        if (cutoff is { } seq)
        {
            await db.Captures.Where(c => c.TunnelId == tunnelId && c.Seq <= seq).ExecuteDeleteAsync(ct);
        }
    }

    /// <summary>Every tunnel's captures past its retention, for the periodic sweep (captures arrive for busy tunnels only).</summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        var settings = await db.CaptureSettings.AsNoTracking().ToDictionaryAsync(s => s.TunnelId, ct);
        var tunnels = await db.Captures.Select(c => c.TunnelId).Distinct().ToListAsync(ct);
        foreach (var tunnelId in tunnels)
        {
            var s = settings.GetValueOrDefault(tunnelId);
            await TrimAsync(tunnelId, s?.MaxRequests ?? CaptureSettingsStore.DefaultMaxRequests, s?.RetentionHours ?? CaptureSettingsStore.DefaultRetentionHours, ct);
        }
    }

    /// <summary>Newest first: those after <paramref name="after"/> (the live list's cursor) or before <paramref name="before"/> (paging back).</summary>
    /// <param name="searchUnmasked">Whether text search may look into captures stored unmasked (full capture): admins only,
    /// or a viewer could find a masked value one character at a time.</param>
    public async Task<List<CaptureSummary>> ListAsync(Guid tunnelId, CaptureFilter filter, long? after, long? before, int limit, CancellationToken ct,
        bool searchUnmasked = true)
    {
        var query = Filtered(tunnelId, filter, after, before);
        if (string.IsNullOrEmpty(filter.Text))
        {
            return await Summaries(query.OrderByDescending(c => c.Seq).Take(limit)).ToListAsync(ct);
        }

        // Text in bodies: bodies are bytes (decoded, maybe binary), so they are searched here, a page at a time, and no
        // further back than MaxSearchRows (the live list then polls with `after`, so only new captures are read again).
        var needle = filter.Text;
        var matches = new List<long>();
        long? below = null;
        if (!searchUnmasked)
        {
            query = query.Where(c => c.Redacted);
        }

        long bytesRead = 0;
        for (var scanned = 0; matches.Count < limit && scanned < MaxSearchRows && bytesRead < MaxSearchBytes; scanned += 100)
        {
            var page = query;
            if (below is { } b)
            {
                page = page.Where(c => c.Seq < b);
            }

            var rows = await page.OrderByDescending(c => c.Seq).Take(100).Select(c => new { c.Seq, c.RequestBody, c.ResponseBody }).ToListAsync(ct);
            if (rows.Count == 0)
            {
                break;
            }

            matches.AddRange(rows.Where(r => Contains(r.RequestBody, needle) || Contains(r.ResponseBody, needle)).Select(r => r.Seq));
            bytesRead += rows.Sum(r => (long)r.RequestBody.Length + r.ResponseBody.Length);
            below = rows[^1].Seq;
        }

        var chosen = matches.Take(limit).ToList();
        return await Summaries(db.Captures.AsNoTracking().Where(c => chosen.Contains(c.Seq)).OrderByDescending(c => c.Seq)).ToListAsync(ct);
    }

    /// <summary>How many captures one text search reads at most (newest first).</summary>
    public const int MaxSearchRows = 2000;

    /// <summary>How many bytes of bodies one text search reads at most: large bodies end it sooner than the row count.</summary>
    public const long MaxSearchBytes = 64L * 1024 * 1024;

    /// <summary>The newest capture's id of a tunnel: the live list's cursor even when nothing matched its filters.</summary>
    public async Task<long> NewestAsync(Guid tunnelId, CancellationToken ct) =>
        await db.Captures.AsNoTracking().Where(c => c.TunnelId == tunnelId).MaxAsync(c => (long?)c.Seq, ct) ?? 0;

    /// <summary>The body bytes of these captures together (an export is built in memory: it is refused past a bound).</summary>
    public async Task<long> BodyBytesAsync(Guid tunnelId, IReadOnlyCollection<long> ids, CancellationToken ct) =>
        await db.Captures.AsNoTracking().Where(c => c.TunnelId == tunnelId && ids.Contains(c.Seq))
            .SumAsync(c => (long)c.RequestBody.Length + c.ResponseBody.Length, ct);

    public Task<CaptureEntity?> GetAsync(long id, CancellationToken ct) => db.Captures.AsNoTracking().FirstOrDefaultAsync(c => c.Seq == id, ct);

    public Task<CaptureEntity?> FindByExchangeAsync(string exchangeId, CancellationToken ct) =>
        db.Captures.AsNoTracking().FirstOrDefaultAsync(c => c.ExchangeId == exchangeId, ct);

    public async Task<List<CaptureEntity>> GetManyAsync(Guid tunnelId, IReadOnlyCollection<long> ids, CancellationToken ct) =>
        await db.Captures.AsNoTracking().Where(c => c.TunnelId == tunnelId && ids.Contains(c.Seq)).OrderBy(c => c.Seq).ToListAsync(ct);

    /// <summary>The ids of captures that replay this one, oldest first.</summary>
    public async Task<List<long>> ReplaysOfAsync(string exchangeId, CancellationToken ct) =>
        await db.Captures.AsNoTracking().Where(c => c.ReplayOf == exchangeId).OrderBy(c => c.Seq).Select(c => c.Seq).ToListAsync(ct);

    private IQueryable<CaptureEntity> Filtered(Guid tunnelId, CaptureFilter f, long? after, long? before)
    {
        var query = db.Captures.AsNoTracking().Where(c => c.TunnelId == tunnelId);
        if (after is { } a)
        {
            query = query.Where(c => c.Seq > a);
        }

        if (before is { } b)
        {
            query = query.Where(c => c.Seq < b);
        }

        if (!string.IsNullOrEmpty(f.Hostname))
        {
            query = query.Where(c => c.Hostname == f.Hostname);
        }

        if (!string.IsNullOrEmpty(f.Method))
        {
            var method = f.Method.ToUpperInvariant();
            query = query.Where(c => c.Method == method);
        }

        if (f.Status is { Length: 3 } s && s[0] is >= '1' and <= '5' && s[1..] == "xx")
        {
            var low = (s[0] - '0') * 100;
            query = query.Where(c => c.Status >= low && c.Status < low + 100);
        }

        if (!string.IsNullOrEmpty(f.Path))
        {
            query = query.Where(c => c.Path.Contains(f.Path));
        }

        return query;
    }

    private static IQueryable<CaptureSummary> Summaries(IQueryable<CaptureEntity> query) => query.Select(c => new CaptureSummary(c.Seq, c.ExchangeId,
        DateTimeOffset.FromUnixTimeMilliseconds(c.At), c.Hostname, c.Method, c.Url, c.Path, c.Status, c.DurationMs, c.RequestBodySize, c.ResponseBodySize,
        c.Kind, c.Identity, c.EdgeId, c.ReplayOf));

    public static bool IsValidStatusFilter(string? status) => string.IsNullOrEmpty(status) || (status.Length == 3 && status[0] is >= '1' and <= '5' && status[1..] == "xx");

    private static bool Contains(byte[] body, string needle) =>
        body.Length > 0 && Encoding.UTF8.GetString(body).Contains(needle, StringComparison.OrdinalIgnoreCase);

    private static string PathOf(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var slash = scheme < 0 ? -1 : url.IndexOf('/', scheme + 3);
        return slash < 0 ? "/" : url[slash..];
    }

    private static string HeadersJson(IEnumerable<CaptureHeader> headers) =>
        JsonSerializer.Serialize(headers.Select(h => new[] { h.Name, h.Value }).ToList());

    public static List<string[]> Headers(string json) => JsonSerializer.Deserialize<List<string[]>>(json) ?? [];
}
