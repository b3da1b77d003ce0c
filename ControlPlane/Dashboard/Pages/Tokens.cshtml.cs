using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>API tokens for automation: create (shown once), see when each was last used, revoke.</summary>
public sealed class TokensModel(ApiTokenStore store) : PageModel
{
    public List<ApiTokenEntity> Tokens { get; private set; } = [];
    public string? Error { get; private set; }
    public string? CreatedToken { get; private set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Role { get; set; }

    [BindProperty]
    public int? ExpiresInDays { get; set; }

    [BindProperty]
    public Guid Id { get; set; }

    public async Task OnGetAsync(CancellationToken ct) => Tokens = await store.ListAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return Forbid();
        }

        var outcome = await store.CreateAsync(Name, Role, ExpiresInDays, ct);
        (CreatedToken, Error) = outcome.Succeeded ? ((string?)outcome.Value.Token, (string?)null) : (null, outcome.Error);
        Tokens = await store.ListAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return Forbid();
        }

        var outcome = await store.RevokeAsync(Id, ct);
        Error = outcome.Error;
        Tokens = await store.ListAsync(ct);
        return Page();
    }
}
