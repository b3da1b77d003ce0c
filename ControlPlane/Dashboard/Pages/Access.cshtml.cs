using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tunnel.ControlPlane.Access;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Access;
using Tunnel.Shared.Serialization;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>Access: applications with their policies (written as JSON, as the API takes them), service tokens, the login provider.</summary>
public sealed class AccessModel(AccessCatalog catalog, ProviderDiscovery discovery) : PageModel
{
    public List<AccessApplication> Applications { get; private set; } = [];
    public List<ServiceTokenEntity> ServiceTokens { get; private set; } = [];
    public AccessSettingsEntity Settings { get; private set; } = null!;
    public string? Error { get; private set; }
    public string? Notice { get; private set; }
    public (string ClientId, string Secret)? CreatedToken { get; private set; }

    [BindProperty]
    public string? ApplicationJson { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public Guid Id { get; set; }

    /// <summary>The identity provider form (the client secret is write-only: left empty, the stored one stays).</summary>
    [BindProperty]
    public ProviderForm Provider { get; set; } = new();

    public string? ProviderError { get; private set; }

    public sealed class ProviderForm
    {
        public string? AuthHostname { get; set; }
        public string? Authority { get; set; }
        public string? ClientId { get; set; }
        public string? ClientSecret { get; set; }
        public string? Scopes { get; set; }
        public string? GroupClaim { get; set; }
        public bool SkipDiscoveryCheck { get; set; }
    }

    public const string Example = """
        {
          "name": "grafana",
          "domains": ["grafana.example.com"],
          "sessionMinutes": 1440,
          "policies": [
            { "name": "no contractors", "action": "deny", "include": [{ "group": "contractors" }] },
            { "name": "staff", "action": "allow", "include": [{ "emailDomain": "example.com" }] }
          ]
        }
        """;

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    /// <summary>The form shows what is saved, except the secret; after a refused post, what was typed.</summary>
    private void FillProviderForm()
    {
        if (ProviderError is not null)
        {
            return;
        }

        Provider = new ProviderForm
        {
            AuthHostname = Settings.AuthHostname, Authority = Settings.Authority, ClientId = Settings.ClientId,
            Scopes = Settings.Scopes, GroupClaim = Settings.GroupClaim,
        };
    }

    public Task<IActionResult> OnPostSaveAsync(CancellationToken ct) => AdminAsync(async () =>
    {
        SaveRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<SaveRequest>(ApplicationJson ?? "", StrictJson.Options);
        }
        catch (JsonException ex)
        {
            Error = $"The application was not saved: {JsonErrors.Describe(ex)}";
            return;
        }

        var existing = (await catalog.ListApplicationsAsync(ct)).FirstOrDefault(a => a.Name == request?.Name);
        var outcome = await catalog.SaveApplicationAsync(existing?.Id, request?.Name, request?.Domains, request?.SessionMinutes, request?.Policies, ct);
        (Error, Notice) = outcome.Succeeded ? ((string?)null, (string?)$"Saved {outcome.Value!.Name}; edges enforce it within a second.") : (outcome.Error, null);
    }, ct);

    /// <summary>Sets the identity provider as `tunnel access idp set` does (the discovery document is fetched first unless skipped).</summary>
    public Task<IActionResult> OnPostProviderAsync(CancellationToken ct) => AdminAsync(async () =>
    {
        var p = Provider;
        var outcome = await catalog.SetIdentityProviderAsync(p.AuthHostname, p.Authority, p.ClientId, string.IsNullOrEmpty(p.ClientSecret) ? null : p.ClientSecret,
            p.Scopes, p.GroupClaim, p.SkipDiscoveryCheck ? null : discovery, ct);
        (ProviderError, Notice) = outcome.Succeeded
            ? ((string?)null, (string?)$"Identity provider saved: edges log people in at {outcome.Value!.AuthHostname} within a second.")
            : ($"The identity provider was not saved: {outcome.Error}", null);
    }, ct);

    public Task<IActionResult> OnPostDeleteAsync(CancellationToken ct) => AdminAsync(async () =>
    {
        var outcome = await catalog.DeleteApplicationAsync(Id, ct);
        (Error, Notice) = outcome.Succeeded ? ((string?)null, (string?)$"Deleted {outcome.Value!.Name}.") : (outcome.Error, null);
    }, ct);

    public Task<IActionResult> OnPostCreateTokenAsync(CancellationToken ct) => AdminAsync(async () =>
    {
        var outcome = await catalog.CreateServiceTokenAsync(Name, null, ct);
        if (outcome.Succeeded)
        {
            CreatedToken = (outcome.Value.Token.ClientId, outcome.Value.Secret);
        }
        else
        {
            Error = outcome.Error;
        }
    }, ct);

    public Task<IActionResult> OnPostRevokeTokenAsync(CancellationToken ct) => AdminAsync(async () => Error = (await catalog.RevokeServiceTokenAsync(Id, ct)).Error, ct);

    private async Task<IActionResult> AdminAsync(Func<Task> action, CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return Forbid();
        }

        await action();
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Applications = await catalog.ListApplicationsAsync(ct);
        ServiceTokens = await catalog.ListServiceTokensAsync(ct);
        Settings = await catalog.LoadSettingsAsync(ct);
        FillProviderForm();
    }

    private sealed record SaveRequest(string? Name, List<string>? Domains, int? SessionMinutes, List<AccessPolicy>? Policies);

    public static string Describe(AccessSelector s) =>
        s.Email ?? (s.EmailDomain is { } d ? "@" + d : null) ?? (s.Group is { } g ? "group " + g : null)
        ?? (s.Everyone == true ? "everyone" : null) ?? (s.ServiceToken is { } t ? "token " + t : null)
        ?? (s.AnyServiceToken == true ? "any service token" : null) ?? (s.Ip is { } ip ? "ip " + ip : "?");

    public static string Describe(AccessPolicy p) =>
        $"{p.Action} '{p.Name}': {string.Join(" or ", p.Include.Select(Describe))}"
        + (p.Require is { Count: > 0 } r ? $", requiring {string.Join(" and ", r.Select(Describe))}" : "")
        + (p.Exclude is { Count: > 0 } e ? $", except {string.Join(", ", e.Select(Describe))}" : "");
}
