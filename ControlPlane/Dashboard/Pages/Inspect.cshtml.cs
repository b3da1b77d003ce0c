using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Inspection;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>
/// A tunnel's traffic inspector: the live list of captured requests (wwwroot/js/inspector.js polls for new ones), a
/// request in full, and for admins the capture settings, replay (as captured or edited), copy as curl and HAR export.
/// </summary>
public sealed class InspectModel(TunnelDbContext db, TunnelCatalog catalog, CaptureSettingsStore settings) : PageModel
{
    [FromRoute]
    public string Name { get; set; } = "";

    public TunnelEntity Tunnel { get; private set; } = null!;
    public CaptureSettingsView Settings { get; private set; } = null!;
    public List<string> Hostnames { get; private set; } = [];
    public bool Missing { get; private set; }
    public string? Error { get; private set; }
    public string? Notice { get; private set; }

    [BindProperty] public bool Enabled { get; set; }
    [BindProperty] public long BodyLimitBytes { get; set; }
    [BindProperty] public int MaxRequests { get; set; }
    [BindProperty] public string Retention { get; set; } = "";
    [BindProperty] public bool Full { get; set; }
    [BindProperty] public string? RedactHeaders { get; set; }
    [BindProperty] public string? RedactFields { get; set; }
    [BindProperty] public List<string> CaptureHostnames { get; set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFoundPage();

    public async Task<IActionResult> OnPostSettingsAsync(CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return Forbid();
        }

        if (!await LoadAsync(ct))
        {
            return NotFoundPage();
        }

        var change = new CaptureSettingsChange(Enabled, CaptureHostnames.Where(h => h.Length > 0).ToList(), BodyLimitBytes, MaxRequests, Retention, Full,
            Split(RedactHeaders), Split(RedactFields));
        var outcome = await settings.SetAsync(Tunnel, change, Identities.Actor(User), ct);
        if (outcome.Succeeded)
        {
            Notice = outcome.Value!.Enabled ? "Capture is on: new requests appear below as they come." : "Capture is off: no new request is captured.";
        }
        else
        {
            Error = outcome.Error;
        }

        await LoadAsync(ct);
        return Page();
    }

    private static List<string> Split(string? list) => (list ?? "").Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private PageResult NotFoundPage()
    {
        Missing = true;
        var page = Page();
        page.StatusCode = StatusCodes.Status404NotFound;
        return page;
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        if (await catalog.FindAsync(Name, ct) is not { } tunnel)
        {
            return false;
        }

        Tunnel = tunnel;
        Settings = await settings.GetAsync(tunnel.Id, ct);
        Hostnames = await db.Hostnames.AsNoTracking().Where(h => h.TunnelId == tunnel.Id).Select(h => h.Name).OrderBy(h => h).ToListAsync(ct);
        return true;
    }
}
