using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Apis;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Serialization;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>One tunnel: hostnames, live connections, recent audit; route, unroute, rotate and delete (each confirmed).</summary>
public sealed class TunnelModel(TunnelDbContext db, TunnelCatalog catalog, TimeProvider clock) : PageModel
{
    /// <summary>Each hostname's ACME certificate and its last attempt (empty when the edges order none).</summary>
    public List<global::Tunnel.ControlPlane.Certificates.CertificateView> Certificates { get; private set; } = [];

    [FromRoute]
    public string Name { get; set; } = "";

    public TunnelEntity Tunnel { get; private set; } = null!;
    public DashboardStatus.TunnelStatus Status { get; private set; } = null!;
    public List<AuditEventEntity> Audit { get; private set; } = [];
    public string? Error { get; private set; }
    public string? Notice { get; private set; }
    public string? RunCommand { get; private set; }

    /// <summary>No tunnel has this name or id: the page says so (status 404) instead of showing one.</summary>
    public bool Missing { get; private set; }

    [BindProperty]
    public string? Hostname { get; set; }

    [BindProperty]
    public string? Confirm { get; set; }

    /// <summary>The ingress rules as the API takes them (a JSON list of {hostname, path, service, originRequest}).</summary>
    [BindProperty]
    public string? IngressRules { get; set; }

    public string? IngressError { get; private set; }

    public const string IngressExample = """
        [
          { "hostname": "app.example.com", "service": "http://localhost:3000" },
          { "hostname": "app.example.com", "path": "/api", "service": "http://localhost:8080" },
          { "service": "http_status:404" }
        ]
        """;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFoundPage();

    public Task<IActionResult> OnPostRouteAsync(CancellationToken ct) => AdminAsync(async () =>
    {
        var outcome = await catalog.RouteAsync(Name, Hostname, ct);
        (Error, Notice) = outcome.Succeeded ? ((string?)null, (string?)$"Routed {outcome.Value.Route.Name} to this tunnel.") : (outcome.Error, null);
    }, ct);

    public Task<IActionResult> OnPostUnrouteAsync(CancellationToken ct) => AdminAsync(async () =>
    {
        var outcome = await catalog.UnrouteAsync(Hostname ?? "", ct);
        (Error, Notice) = outcome.Succeeded ? ((string?)null, (string?)$"Removed the route of {outcome.Value!.Name}.") : (outcome.Error, null);
    }, ct);

    /// <summary>Sets the rules (validated as the API and `tunnel ingress set` validate them), or with Confirm = "connectors", hands them back.</summary>
    public Task<IActionResult> OnPostIngressAsync(CancellationToken ct) => AdminAsync(async () =>
    {
        List<IngressRuleSpec>? rules = null;
        if (Confirm != "connectors")
        {
            try
            {
                rules = System.Text.Json.JsonSerializer.Deserialize<List<IngressRuleSpec>>(IngressRules ?? "", StrictJson.Options);
            }
            catch (System.Text.Json.JsonException ex)
            {
                IngressError = $"The rules were not saved: {JsonErrors.Describe(ex)}";
                return;
            }

            if (rules is null or { Count: 0 })
            {
                IngressError = "The rules were not saved: write at least one rule, the last one a catch-all (no hostname), e.g. { \"service\": \"http_status:404\" }.";
                return;
            }
        }

        var outcome = await catalog.SetIngressAsync(Name, rules, ct);
        (IngressError, Notice) = outcome.Succeeded
            ? ((string?)null, (string?)(rules is null ? "Ingress handed back to the connectors: their --url or config.yml decides again." : $"Saved {rules.Count} rules; connectors apply them within seconds (see the status below)."))
            : ($"The rules were not saved: {outcome.Error}", null);
    }, ct);

    public Task<IActionResult> OnPostRotateAsync(CancellationToken ct) => AdminAsync(async () =>
    {
        if (Confirm != Name)
        {
            Error = $"Type the tunnel's name ({Name}) to confirm rotating its secret.";
            return;
        }

        var outcome = await catalog.RotateAsync(Name, ct);
        if (outcome.Succeeded)
        {
            Notice = "Secret rotated: connectors using the old token are being disconnected. Restart them with:";
            RunCommand = $"tunnel run --token {outcome.Value.Token} --url http://localhost:3000";
        }
        else
        {
            Error = outcome.Error;
        }
    }, ct);

    public async Task<IActionResult> OnPostDeleteAsync(CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return Forbid();
        }

        if (Confirm != Name)
        {
            Error = $"Type the tunnel's name ({Name}) to confirm deleting it.";
            return await LoadAsync(ct) ? Page() : NotFoundPage();
        }

        var outcome = await catalog.DeleteAsync(Name, ct);
        return outcome.Succeeded ? RedirectToPage("/Index") : NotFoundPage();
    }

    private async Task<IActionResult> AdminAsync(Func<Task> action, CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return Forbid();
        }

        await action();
        return await LoadAsync(ct) ? Page() : NotFoundPage();
    }

    private PageResult NotFoundPage()
    {
        Missing = true;
        var page = Page();
        page.StatusCode = StatusCodes.Status404NotFound;
        return page;
    }

    /// <summary>Whether the live connections serve the tunnel's ingress rules, and who refused them.</summary>
    public IngressRollout Ingress { get; private set; } = null!;

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var tunnel = await catalog.FindAsync(Name, ct);
        if (tunnel is null)
        {
            return false;
        }

        Tunnel = tunnel;
        var live = await LiveConnections.ListAsync(db, tunnel.Id, ct, withDraining: true);
        Status = DashboardStatus.Describe(tunnel.Id, live);
        Ingress = IngressRollout.Of(tunnel, live.Where(c => !c.Draining).ToList());
        Audit = await (await new AuditFilter(Tunnel: tunnel.Id).QueryAsync(db, ct)).Take(20).ToListAsync(ct);
        Certificates = (await global::Tunnel.ControlPlane.Certificates.CertificateView.ForAsync(db, tunnel.Hostnames.Select(h => h.Name).Order(StringComparer.Ordinal), clock, ct))
            .Where(c => c.Certificate is not null).ToList();
        return true;
    }
}
