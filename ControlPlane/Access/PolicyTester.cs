using System.Net;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Access;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Access;

/// <summary>
/// The dashboard's policy tester: which application covers a URL and what its policies decide for an identity. It
/// calls the edge's own code (the application matcher, the evaluator, the host and path canonical forms), on the
/// applications as saved now, so an answer here is the answer a request gets at the edge once the change reaches it.
/// </summary>
public sealed class PolicyTester(AccessCatalog catalog, TimeProvider clock)
{
    /// <param name="Url">The URL as a browser would request it.</param>
    /// <param name="Email">A signed-in person's email, or none.</param>
    /// <param name="Groups">That person's groups (the identity provider's group claim).</param>
    /// <param name="ServiceToken">A service token's name or client id, presented instead of (or with) a login.</param>
    /// <param name="ClientIp">The client's address, for ip conditions.</param>
    public sealed record Question(string? Url, string? Email, IReadOnlyList<string>? Groups, string? ServiceToken, string? ClientIp);

    /// <param name="Result">allow, bypass, deny, login_required, public (no application covers the URL) or edge (the edge's own path).</param>
    /// <param name="Notes">What the tester assumed on the way (a service token the edge would ignore, and why).</param>
    public sealed record Answer(string Host, string Path, Guid? ApplicationId, string? Application, string Result, string Summary,
        AccessExplanation? Explanation, IReadOnlyList<string> Notes);

    public async Task<Outcome<Answer>> TestAsync(Question q, CancellationToken ct)
    {
        if (q.Url?.Contains('\\') == true)
        {
            return Invalid("the edge refuses '\\' in a URL (400): browsers send it as '/', write it so");
        }

        if (!Uri.TryCreate(q.Url?.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return Invalid("url must be an absolute http or https URL, like https://app.example.com/admin");
        }

        if (HostnameForm.Normalize(url.IdnHost) is not { } host || host.StartsWith('*'))
        {
            return Invalid($"'{url.Host}' is not a hostname the edge would accept");
        }

        // Kestrel hands the edge the path decoded except for %2F; the edge then canonicalizes it.
        var decoded = Uri.UnescapeDataString(url.AbsolutePath.Replace("%2F", "%252F", StringComparison.OrdinalIgnoreCase));
        if (!PathForm.TryCanonicalize(decoded, out var path, out var key, out var pathError))
        {
            return Invalid($"the edge refuses this path (400): {pathError}");
        }

        IPAddress? ip = null;
        if (!string.IsNullOrWhiteSpace(q.ClientIp) && !IPAddress.TryParse(q.ClientIp.Trim(), out ip))
        {
            return Invalid($"clientIp '{q.ClientIp}' is not an IP address");
        }

        var email = string.IsNullOrWhiteSpace(q.Email) ? null : q.Email.Trim();
        if (email is not null && !email.Contains('@'))
        {
            return Invalid($"email '{email}' is not an email address");
        }

        var notes = new List<string>();
        var groups = (q.Groups ?? []).Select(g => g.Trim()).Where(g => g.Length > 0).ToList();
        AccessIdentity who;
        if (!string.IsNullOrWhiteSpace(q.ServiceToken))
        {
            // As at the edge: a request that carries a service token is that token alone (or, when the edge would
            // not accept it, nobody), whatever login session it also carries.
            var (clientId, known) = await ServiceTokenClientIdAsync(q.ServiceToken, notes, ct);
            if (!known)
            {
                return Invalid($"there is no service token named '{q.ServiceToken}' (by name or client id)");
            }

            if (email is not null || groups.Count > 0)
            {
                notes.Add("a request with a service token is judged as the token alone: the edge reads the token and not the login session, so the email and groups are ignored");
            }

            who = clientId is null ? AccessIdentity.Anonymous(ip) : new AccessIdentity(null, [], clientId, ip);
        }
        else
        {
            if (email is null && groups.Count > 0)
            {
                notes.Add("groups without an email are ignored: only a signed-in person has groups");
                groups = [];
            }

            who = new AccessIdentity(email, groups, null, ip);
        }

        if (PathForm.Covers(EdgePaths.Prefix, path))
        {
            return new Answer(host, path, null, null, "edge", $"{EdgePaths.Prefix}/… is the edge's own (login, logout, troubleshooting): it answers these itself, before any application.", null, notes);
        }

        var applications = await catalog.ListApplicationsAsync(ct);
        if (AccessApplicationMatcher.Build(applications).Find(host, path, key) is not { } app)
        {
            return new Answer(host, path, null, null, "public", "No Access application covers this URL: the edge forwards it to the tunnel without a login.", null, notes);
        }

        var explanation = AccessPolicyEvaluator.Explain(app, who);
        var (result, summary) = explanation.Decision switch
        {
            AccessDecision.Bypass => ("bypass", $"Forwarded without a login: policy '{explanation.DecidingPolicy}' bypasses Access."),
            AccessDecision.Allow => ("allow", $"Allowed by policy '{explanation.DecidingPolicy}': forwarded with a signed assertion of the identity."),
            AccessDecision.LoginRequired => ("login_required", "Nobody is signed in: a browser is sent to log in, an API client gets 401."),
            _ when explanation.DecidingPolicy is { } deny => ("deny", $"Refused (403) by deny policy '{deny}'."),
            _ => ("deny", "Refused (403): no allow policy matched this identity."),
        };
        return new Answer(host, path, app.Id, app.Name, result, summary, explanation, notes);
    }

    /// <summary>The client id the edge would accept for a token given by name or client id; none (with a note) when it would not.</summary>
    private async Task<(string? ClientId, bool Known)> ServiceTokenClientIdAsync(string given, List<string> notes, CancellationToken ct)
    {
        given = given.Trim();
        // Names need not be unique: a live token of that name before a revoked one.
        var token = (await catalog.ListServiceTokensAsync(ct)).Where(t => t.ClientId == given || t.Name == given).OrderBy(t => t.RevokedAt is not null).FirstOrDefault();
        if (token is null)
        {
            return (null, false);
        }

        if (token.RevokedAt is not null)
        {
            notes.Add($"service token '{token.Name}' is revoked: the edge refuses it, so the request is judged as nobody signed in");
            return (null, true);
        }

        if (token.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
        {
            notes.Add($"service token '{token.Name}' expired at {expires:u}: the edge refuses it, so the request is judged as nobody signed in");
            return (null, true);
        }

        return (token.ClientId, true);
    }

    private static Outcome<Answer> Invalid(string error) => Outcome<Answer>.Fail(FailureKind.Invalid, error);
}
