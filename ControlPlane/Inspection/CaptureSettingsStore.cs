using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Inspection;

/// <summary>A tunnel's capture settings as the API, CLI and dashboard show them.</summary>
public sealed record CaptureSettingsView(bool Enabled, IReadOnlyList<string> Hostnames, long BodyLimitBytes, int MaxRequests, string Retention, bool Full,
    IReadOnlyList<string> RedactHeaders, IReadOnlyList<string> RedactFields, long Dropped, DateTimeOffset? UpdatedAt, string? UpdatedBy);

/// <summary>A change to them: fields left out keep their value.</summary>
public sealed record CaptureSettingsChange(bool? Enabled = null, IReadOnlyList<string>? Hostnames = null, long? BodyLimitBytes = null, int? MaxRequests = null,
    string? Retention = null, bool? Full = null, IReadOnlyList<string>? RedactHeaders = null, IReadOnlyList<string>? RedactFields = null);

/// <summary>
/// Turning the traffic inspector's capture on and off for a tunnel, and its limits. Every change is audited (full
/// capture by name) and reaches the edges at once through the config stream.
/// </summary>
public sealed partial class CaptureSettingsStore(TunnelDbContext db, AuditLog audit, ConfigChangeSignal signal, TimeProvider clock)
{
    public const long DefaultBodyLimit = 1024 * 1024;
    public const long MaxBodyLimit = 4 * 1024 * 1024;
    public const int DefaultMaxRequests = 1000;
    public const int MaxMaxRequests = 10_000;
    public const int DefaultRetentionHours = 24;
    public const int MaxRetentionHours = 30 * 24;

    public async Task<CaptureSettingsView> GetAsync(Guid tunnelId, CancellationToken ct) =>
        View(await db.CaptureSettings.AsNoTracking().FirstOrDefaultAsync(s => s.TunnelId == tunnelId, ct));

    public static CaptureSettingsView View(CaptureSettingsEntity? s) => s is null
        ? new(false, [], DefaultBodyLimit, DefaultMaxRequests, Hours(DefaultRetentionHours), false, [], [], 0, null, null)
        : new(s.Enabled, List(s.Hostnames), s.BodyLimitBytes, s.MaxRequests, Hours(s.RetentionHours), s.Full, List(s.RedactHeaders), List(s.RedactFields),
            s.Dropped, s.UpdatedAt, s.UpdatedBy);

    public async Task<Outcome<CaptureSettingsView>> SetAsync(TunnelEntity tunnel, CaptureSettingsChange change, string actor, CancellationToken ct)
    {
        var routed = await db.Hostnames.AsNoTracking().Where(h => h.TunnelId == tunnel.Id).Select(h => h.Name).ToListAsync(ct);
        if (Problem(change, routed) is { } problem)
        {
            return Outcome<CaptureSettingsView>.Fail(FailureKind.Invalid, problem);
        }

        var row = await db.CaptureSettings.FirstOrDefaultAsync(s => s.TunnelId == tunnel.Id, ct);
        if (row is null)
        {
            row = new CaptureSettingsEntity
            {
                TunnelId = tunnel.Id, BodyLimitBytes = DefaultBodyLimit, MaxRequests = DefaultMaxRequests, RetentionHours = DefaultRetentionHours,
            };
            db.CaptureSettings.Add(row);
        }

        var wasEnabled = row.Enabled;
        var wasFull = row.Full;
        row.Enabled = change.Enabled ?? row.Enabled;
        row.Hostnames = change.Hostnames is { } hostnames ? string.Join(',', hostnames.Select(h => h.Trim().ToLowerInvariant()).Distinct()) : row.Hostnames;
        row.BodyLimitBytes = change.BodyLimitBytes ?? row.BodyLimitBytes;
        row.MaxRequests = change.MaxRequests ?? row.MaxRequests;
        row.RetentionHours = change.Retention is { } retention ? ParseRetention(retention)!.Value : row.RetentionHours;
        row.Full = change.Full ?? row.Full;
        row.RedactHeaders = change.RedactHeaders is { } headers ? string.Join(',', headers.Select(h => h.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)) : row.RedactHeaders;
        row.RedactFields = change.RedactFields is { } fields ? string.Join(',', fields.Select(f => f.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)) : row.RedactFields;
        if (row.Enabled && !wasEnabled)
        {
            row.Dropped = 0;
        }

        row.UpdatedAt = clock.GetUtcNow();
        row.UpdatedBy = actor;
        var detail = $"capture {(row.Enabled ? "on" : "off")}; body limit {row.BodyLimitBytes} B, keep {row.MaxRequests} for {Hours(row.RetentionHours)}"
            + (row.Hostnames.Length > 0 ? $"; hostnames {row.Hostnames}" : "")
            + (row.Full ? "; FULL capture (nothing masked)" : "; credentials masked")
            + (row.RedactHeaders.Length > 0 ? $"; also masks headers {row.RedactHeaders}" : "")
            + (row.RedactFields.Length > 0 ? $"; fields {row.RedactFields}" : "");
        audit.Record(row.Enabled == wasEnabled ? "inspection.update" : row.Enabled ? "inspection.enable" : "inspection.disable", tunnel.Name, tunnel.Id, detail);
        if (row.Full != wasFull)
        {
            audit.Record(row.Full ? "inspection.full_capture_on" : "inspection.full_capture_off", tunnel.Name, tunnel.Id,
                row.Full ? "captures of this tunnel are stored unmasked (credentials included)" : "credentials are masked again");
        }

        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return View(row);
    }

    private static string? Problem(CaptureSettingsChange c, List<string> routed)
    {
        if (c.BodyLimitBytes is { } limit && (limit < 0 || limit > MaxBodyLimit))
        {
            return $"bodyLimitBytes must be between 0 and {MaxBodyLimit} (4 MiB); got {limit}";
        }

        if (c.MaxRequests is { } max && (max < 1 || max > MaxMaxRequests))
        {
            return $"maxRequests must be between 1 and {MaxMaxRequests}; got {max}";
        }

        if (c.Retention is { } retention && ParseRetention(retention) is null)
        {
            return $"retention '{retention}' is not a duration of 1h to 30d (write it as 12h or 7d)";
        }

        if (c.Hostnames?.FirstOrDefault(h => !routed.Contains(h.Trim().ToLowerInvariant())) is { } unrouted)
        {
            return routed.Count == 0
                ? $"hostname '{unrouted}' is not routed to this tunnel, which has no hostnames: route one first (tunnel route dns)"
                : $"hostname '{unrouted}' is not routed to this tunnel; its hostnames are: {string.Join(", ", routed)}";
        }

        if (c.RedactHeaders?.FirstOrDefault(h => !IsToken(h.Trim())) is { } header)
        {
            return $"'{header}' is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)";
        }

        if (c.RedactFields?.FirstOrDefault(f => f.Trim().Length is 0 or > 128 || f.Contains(',')) is { } field)
        {
            return $"'{field}' is not a field name to mask (1 to 128 characters, no comma)";
        }

        return null;
    }

    /// <summary>12h, 7d: whole hours or days, 1 hour to 30 days.</summary>
    public static int? ParseRetention(string text)
    {
        var match = RetentionPattern().Match(text.Trim());
        if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        var hours = match.Groups[2].Value == "d" ? (long)n * 24 : n;
        return hours is >= 1 and <= MaxRetentionHours ? (int)hours : null;
    }

    public static string Hours(int hours) => hours % 24 == 0 ? $"{hours / 24}d" : $"{hours}h";

    public static IReadOnlyList<string> List(string commaSeparated) => commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"^(\d{1,5})(h|d)$")]
    private static partial Regex RetentionPattern();

    /// <summary>An HTTP token (RFC 9110 §5.6.2): a header name or a method.</summary>
    public static bool IsToken(string value) => HttpToken().IsMatch(value);

    [GeneratedRegex(@"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$")]
    private static partial Regex HttpToken();
}
