using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>The audit log: who changed what, filtered by actor, action, tunnel and time (UTC), 50 to a page, newest first.</summary>
public sealed class AuditModel(TunnelDbContext db) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string? Actor { get; set; }
    [BindProperty(SupportsGet = true)] public string? Action { get; set; }
    [BindProperty(SupportsGet = true)] public string? Tunnel { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public long? After { get; set; }

    public List<AuditEventEntity> Events { get; private set; } = [];
    public List<(Guid Id, string Name)> Tunnels { get; private set; } = [];
    public List<string> Actions { get; private set; } = [];
    public Dictionary<Guid, string> TunnelNames { get; private set; } = [];
    public long? Older { get; private set; }
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Tunnels = (await db.Tunnels.AsNoTracking().OrderBy(t => t.Name).Select(t => new { t.Id, t.Name }).ToListAsync(ct)).Select(t => (t.Id, t.Name)).ToList();
        TunnelNames = Tunnels.ToDictionary(t => t.Id, t => t.Name);
        Actions = await db.AuditEvents.AsNoTracking().Select(e => e.Action).Distinct().OrderBy(a => a).ToListAsync(ct);

        Guid? tunnel = null;
        if (!string.IsNullOrEmpty(Tunnel))
        {
            if (Tunnels.FirstOrDefault(t => t.Name == Tunnel) is not { Name: not null } match)
            {
                Error = $"There is no tunnel named '{Tunnel}'.";
                return;
            }

            tunnel = match.Id;
        }

        if (!TryTime(From, "From", out var from) || !TryTime(To, "To", out var to))
        {
            return;
        }

        if (from > to)
        {
            Error = "From must not be later than To.";
            return;
        }

        var query = await new AuditFilter(After, tunnel, NullIfEmpty(Actor), NullIfEmpty(Action), from, to).QueryAsync(db, ct);
        var rows = await query.Take(PageSize + 1).ToListAsync(ct);
        Older = rows.Count > PageSize ? rows[PageSize - 1].Id : null;
        Events = rows.Take(PageSize).ToList();
    }

    /// <summary>The query of this page with another `After`, for the paging links.</summary>
    public string LinkAfter(long? after) => QueryString.Create(new Dictionary<string, string?>
    {
        ["Actor"] = Actor, ["Action"] = Action, ["Tunnel"] = Tunnel, ["From"] = From, ["To"] = To,
        ["After"] = after?.ToString(CultureInfo.InvariantCulture),
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToString();

    private bool TryTime(string? text, string field, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        // datetime-local inputs send "2026-12-02T14:05"; they are read as UTC, as the page shows times.
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            value = new DateTimeOffset(at, TimeSpan.Zero);
            return true;
        }

        Error = $"{field} '{text}' is not a date and time (e.g. 2026-12-02T14:05, UTC).";
        return false;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
