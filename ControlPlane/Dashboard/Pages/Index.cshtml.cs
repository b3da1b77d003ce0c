using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>The tunnel list with live status, and creating a tunnel (the token is shown once, as a command to copy).</summary>
public sealed class IndexModel(TunnelDbContext db, TunnelCatalog catalog) : PageModel
{
    public sealed record Row(Guid Id, string Name, IReadOnlyList<string> Hostnames, DashboardStatus.TunnelStatus Status, DateTimeOffset CreatedAt,
        DateTimeOffset? QuickUntil = null);

    public List<Row> Tunnels { get; private set; } = [];
    public List<EdgeView> Edges { get; private set; } = [];
    public string? Error { get; private set; }
    public string? CreatedName { get; private set; }
    public string? RunCommand { get; private set; }

    [BindProperty]
    public string? Name { get; set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return Forbid();
        }

        var outcome = await catalog.CreateAsync(Name?.Trim(), ct);
        if (outcome.Succeeded)
        {
            CreatedName = outcome.Value.Tunnel.Name;
            RunCommand = $"tunnel run --token {outcome.Value.Token} --url http://localhost:3000";
            Name = null;
        }
        else
        {
            Error = outcome.Error;
        }

        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var tunnels = await db.Tunnels.AsNoTracking().Include(t => t.Hostnames).OrderBy(t => t.Name).ToListAsync(ct);
        var live = (await LiveConnections.ListAsync(db, null, ct)).ToLookup(c => c.TunnelId);
        Tunnels = tunnels.Select(t => new Row(t.Id, t.Name, t.Hostnames.Select(h => h.Name).Order(StringComparer.Ordinal).ToList(),
            DashboardStatus.Describe(t.Id, [.. live[t.Id]]), t.CreatedAt, t.Quick ? t.ExpiresAt : null)).ToList();
        Edges = await EdgeCluster.ListAsync(db, ct);
    }
}
