using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>People who signed in, and the role an admin set for each (over the one their sign-in claim gives).</summary>
public sealed class UsersModel(UserDirectory directory) : PageModel
{
    public List<UserEntity> Users { get; private set; } = [];
    public string? Error { get; private set; }
    public string? Notice { get; private set; }

    [BindProperty] public string? Login { get; set; }
    [BindProperty] public string? Role { get; set; }

    public async Task OnGetAsync(CancellationToken ct) => Users = await directory.ListAsync(ct);

    public async Task<IActionResult> OnPostRoleAsync(CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return Forbid();
        }

        var outcome = await directory.SetRoleAsync(Login, string.IsNullOrEmpty(Role) ? null : Role, ct);
        (Error, Notice) = outcome.Succeeded
            ? ((string?)null, (string?)$"{outcome.Value!.Login}: {outcome.Value.Role ?? "role from the sign-in claim"}, from their next sign-in.")
            : (outcome.Error, null);
        Users = await directory.ListAsync(ct);
        return Page();
    }
}
