using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Tunnel.ControlPlane.Auth;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>Sign in with the OIDC provider, or with an API token (the bootstrap key on first start).</summary>
public sealed class LoginModel(ApiTokenValidator validator, IOptions<ControlPlaneOptions> options) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Token { get; set; }

    /// <summary>Why the last sign-in through the provider failed (a code the page turns into a sentence).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Problem { get; set; }

    public string? Error { get; private set; }
    public OidcLoginOptions Oidc => options.Value.Oidc;

    public void OnGet() => Error = OidcFailure.Describe(Problem, Oidc.Authority);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var (user, error) = string.IsNullOrWhiteSpace(Token)
            ? (null, "Paste an API token (or the bootstrap admin key) to sign in.")
            : await validator.ValidateAsync(Token.Trim(), "token-login", ct);
        if (user is null)
        {
            Error = error;
            return Page();
        }

        if (user.IsInRole(Roles.Quick))
        {
            Error = "That token may only open quick tunnels (role quick): sign in with an admin or viewer token, or through your identity provider.";
            return Page();
        }

        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, user);
        return LocalRedirect(DashboardSetup.SafeReturnUrl(ReturnUrl));
    }
}
