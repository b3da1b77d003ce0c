using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tunnel.ControlPlane.Access;
using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Access;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>
/// An Access application as a form: domains, session length, ordered policies and each policy's include, require and
/// exclude conditions. Rows are added, removed and moved by the server (buttons that post the form), so it works
/// without script and from the keyboard. Saved through the same catalog call, and so the same validation, as the
/// API; the validator's message is shown next to the part it names.
/// </summary>
public sealed class AccessAppModel(AccessCatalog catalog) : PageModel
{
    public static readonly string[] Kinds = ["email", "emailDomain", "group", "everyone", "serviceToken", "anyServiceToken", "ip"];
    public static readonly string[] Lists = ["Include", "Require", "Exclude"];

    /// <summary>The application being edited (from the route, then a hidden field); none for a new one.</summary>
    [BindProperty(SupportsGet = true)]
    public Guid? Id { get; set; }

    [BindProperty]
    public AppForm Form { get; set; } = new();

    public List<ServiceTokenEntity> ServiceTokens { get; private set; } = [];
    public string? Notice { get; private set; }

    /// <summary>The validator's message and where it belongs: "name", "domains", "session", "policy:N" (0-based) or "form".</summary>
    public (string Field, string Message)? Problem { get; private set; }

    public bool Missing { get; private set; }

    public sealed class AppForm
    {
        public string? Name { get; set; }
        public string? Domains { get; set; }
        public int SessionMinutes { get; set; } = 1440;
        public List<PolicyForm> Policies { get; set; } = [new()];
    }

    public sealed class PolicyForm
    {
        public string? Name { get; set; }
        public string Action { get; set; } = AccessActions.Allow;
        public List<ConditionForm> Include { get; set; } = [new()];
        public List<ConditionForm> Require { get; set; } = [];
        public List<ConditionForm> Exclude { get; set; } = [];

        public List<ConditionForm> ListOf(string list) => list switch { "Require" => Require, "Exclude" => Exclude, _ => Include };
    }

    public sealed class ConditionForm
    {
        public string Kind { get; set; } = "emailDomain";
        public string? Value { get; set; }

        /// <summary>Conditions that take no value (everyone, any service token).</summary>
        public bool Valueless => Kind is "everyone" or "anyServiceToken";
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadTokensAsync(ct);
        if (Id is not { } id)
        {
            return Page();
        }

        if ((await catalog.ListApplicationsAsync(ct)).FirstOrDefault(a => a.Id == id) is not { } app)
        {
            Missing = true;
            return NotFound();
        }

        Form = FormOf(app);
        return Page();
    }

    public Task<IActionResult> OnPostSaveAsync(CancellationToken ct) => AdminAsync(async () =>
    {
        if (ConditionProblem() is { } problem)
        {
            Problem = problem;
            return;
        }

        var domains = (Form.Domains ?? "").Split(['\n', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var outcome = await catalog.SaveApplicationAsync(Id, Form.Name?.Trim(), domains, Form.SessionMinutes, Form.Policies.Select(ToPolicy).ToList(), ct);
        if (!outcome.Succeeded)
        {
            Problem = (FieldOf(outcome.Error!), outcome.Error!);
            return;
        }

        Id = outcome.Value!.Id;
        Form = FormOf(outcome.Value);
        Notice = $"Saved {outcome.Value.Name}; edges enforce it within a second.";
    }, ct);

    public Task<IActionResult> OnPostAddPolicyAsync(CancellationToken ct) => AdminAsync(() => Form.Policies.Add(new()), ct);

    public Task<IActionResult> OnPostRemovePolicyAsync(int policy, CancellationToken ct) =>
        AdminAsync(() => { if (policy >= 0 && policy < Form.Policies.Count) Form.Policies.RemoveAt(policy); }, ct);

    public Task<IActionResult> OnPostMovePolicyUpAsync(int policy, CancellationToken ct) => AdminAsync(() =>
    {
        if (policy > 0 && policy < Form.Policies.Count)
        {
            (Form.Policies[policy - 1], Form.Policies[policy]) = (Form.Policies[policy], Form.Policies[policy - 1]);
        }
    }, ct);

    public Task<IActionResult> OnPostAddConditionAsync(int policy, string list, CancellationToken ct) =>
        AdminAsync(() => { if (policy >= 0 && policy < Form.Policies.Count) Form.Policies[policy].ListOf(list).Add(new()); }, ct);

    public Task<IActionResult> OnPostRemoveConditionAsync(int policy, string list, int index, CancellationToken ct) => AdminAsync(() =>
    {
        if (policy >= 0 && policy < Form.Policies.Count && Form.Policies[policy].ListOf(list) is { } conditions && index >= 0 && index < conditions.Count)
        {
            conditions.RemoveAt(index);
        }
    }, ct);

    private async Task<IActionResult> AdminAsync(Func<Task> action, CancellationToken ct)
    {
        if (!User.IsInRole(Roles.Admin))
        {
            return Forbid();
        }

        ModelState.Clear(); // the page shows the form as the handler left it
        await action();
        await LoadTokensAsync(ct);
        return Page();
    }

    private Task<IActionResult> AdminAsync(Action action, CancellationToken ct) => AdminAsync(() =>
    {
        action();
        return Task.CompletedTask;
    }, ct);

    private async Task LoadTokensAsync(CancellationToken ct) =>
        ServiceTokens = (await catalog.ListServiceTokensAsync(ct)).Where(t => t.RevokedAt is null).ToList();

    /// <summary>A condition that needs a value and has none: said here, as the validator would only say "exactly one field".</summary>
    private (string, string)? ConditionProblem()
    {
        for (var i = 0; i < Form.Policies.Count; i++)
        {
            foreach (var list in Lists)
            {
                if (Form.Policies[i].ListOf(list).FirstOrDefault(c => !c.Valueless && string.IsNullOrWhiteSpace(c.Value)) is { } empty)
                {
                    return ($"policy:{i}", $"policy #{i + 1} ('{Form.Policies[i].Name}'): the {list.ToLowerInvariant()} condition '{empty.Kind}' needs a value");
                }
            }
        }

        return null;
    }

    /// <summary>Where the validator's message belongs (its words name the part: AccessApplicationRules).</summary>
    private static string FieldOf(string error) =>
        error.StartsWith("policy #", StringComparison.Ordinal) && int.TryParse(error.AsSpan(8, error.IndexOfAny([' ', ':'], 8) - 8), out var n) ? $"policy:{n - 1}"
        : error.Contains("domain", StringComparison.Ordinal) ? "domains"
        : error.StartsWith("sessionMinutes", StringComparison.Ordinal) ? "session"
        : error.Contains("name", StringComparison.Ordinal) && !error.Contains("policy", StringComparison.Ordinal) ? "name"
        : error.Contains("policy", StringComparison.Ordinal) ? "policies"
        : "form";

    private static AccessPolicy ToPolicy(PolicyForm p) =>
        new(p.Name?.Trim() ?? "", p.Action, p.Include.Select(ToSelector).ToList(),
            p.Exclude.Count == 0 ? null : p.Exclude.Select(ToSelector).ToList(),
            p.Require.Count == 0 ? null : p.Require.Select(ToSelector).ToList());

    private static AccessSelector ToSelector(ConditionForm c)
    {
        var v = c.Value?.Trim();
        return c.Kind switch
        {
            "email" => new(Email: v),
            "emailDomain" => new(EmailDomain: v),
            "group" => new(Group: v),
            "everyone" => new(Everyone: true),
            "serviceToken" => new(ServiceToken: v),
            "anyServiceToken" => new(AnyServiceToken: true),
            "ip" => new(Ip: v),
            _ => new(), // none set: the validator names it
        };
    }

    private static AppForm FormOf(AccessApplication app) => new()
    {
        Name = app.Name,
        Domains = string.Join('\n', app.Domains),
        SessionMinutes = app.SessionMinutes,
        Policies = app.Policies.Select(p => new PolicyForm
        {
            Name = p.Name, Action = p.Action,
            Include = p.Include.Select(ConditionOf).ToList(),
            Require = (p.Require ?? []).Select(ConditionOf).ToList(),
            Exclude = (p.Exclude ?? []).Select(ConditionOf).ToList(),
        }).ToList(),
    };

    private static ConditionForm ConditionOf(AccessSelector s) =>
        s.Email is { } e ? new() { Kind = "email", Value = e }
        : s.EmailDomain is { } d ? new() { Kind = "emailDomain", Value = d }
        : s.Group is { } g ? new() { Kind = "group", Value = g }
        : s.Everyone == true ? new() { Kind = "everyone" }
        : s.ServiceToken is { } t ? new() { Kind = "serviceToken", Value = t }
        : s.AnyServiceToken == true ? new() { Kind = "anyServiceToken" }
        : new() { Kind = "ip", Value = s.Ip };
}
