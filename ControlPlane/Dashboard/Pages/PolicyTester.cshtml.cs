using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Tunnel.ControlPlane.Access;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Dashboard.Pages;

/// <summary>
/// The policy tester: a URL and an identity in, the application that covers it and each policy's verdict out. A GET
/// form (testing changes nothing), so viewers may use it and a result can be shared as a link.
/// </summary>
public sealed class PolicyTesterModel(PolicyTester tester, AccessCatalog catalog, AccessDecisionStore decisions) : PageModel
{
    [BindProperty(Name = "Url", SupportsGet = true)]
    public string? Target { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Email { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Groups { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ServiceToken { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ClientIp { get; set; }

    /// <summary>A request id from an edge's refusal page: the decision the edge made then.</summary>
    [BindProperty(SupportsGet = true)]
    public string? RequestId { get; set; }

    public List<Apis.AccessApi.AccessDecisionResponse> Decisions { get; private set; } = [];
    public string? LookupError { get; private set; }

    public PolicyTester.Answer? Answer { get; private set; }
    public string? Error { get; private set; }
    public List<ServiceTokenEntity> ServiceTokens { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        ServiceTokens = (await catalog.ListServiceTokensAsync(ct)).Where(t => t.RevokedAt is null).ToList();
        if (!string.IsNullOrWhiteSpace(RequestId) && User.IsInRole(Auth.Roles.Admin))
        {
            Decisions = (await decisions.FindAsync(RequestId.Trim(), ct)).Select(Apis.AccessApi.ToResponse).ToList();
            LookupError = Decisions.Count == 0 ? Apis.AccessApi.NoDecision(RequestId.Trim()) : null;
        }

        if (Target is null)
        {
            return; // the empty form
        }

        var outcome = await tester.TestAsync(new PolicyTester.Question(Target, Email, Groups?.Split(','), ServiceToken, ClientIp), ct);
        Answer = outcome.Succeeded ? outcome.Value : null;
        Error = outcome.Error;
    }
}
