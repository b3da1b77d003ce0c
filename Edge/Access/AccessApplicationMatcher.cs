using Tunnel.Shared.Access;
using Tunnel.Shared.Ingress;

namespace Tunnel.Edge.Access;

/// <summary>
/// Which application covers a request: exact hostnames before wildcards, longer path prefixes before shorter.
/// A path prefix matches whole segments only (/admin covers /admin and /admin/x, not /administrator), compared on
/// the path Kestrel already decoded and normalized. A path that still holds escapes (%2F) or backslashes never
/// matches a path-scoped domain, so an encoding trick can only land on the broader (host-wide) application.
/// Case: a path that protects (/admin) covers /ADMIN too, in case the origin ignores case; a path that only opens
/// (an application whose policies are all bypass) must match exactly, so /PUBLIC does not open what /public opens.
/// </summary>
public static class AccessApplicationMatcher
{
    public static AccessApplication? Find(IReadOnlyList<AccessApplication> applications, string host, string path, string rawTarget)
    {
        var suspicious = rawTarget.Contains('%') || rawTarget.Contains('\\') || path.Contains("//", StringComparison.Ordinal);
        AccessApplication? best = null;
        var bestScore = -1;
        foreach (var app in applications)
        {
            var opensOnly = app.Policies.All(p => p.Action == AccessActions.Bypass);
            foreach (var domain in app.Domains)
            {
                var (domainHost, domainPath) = AccessDomain.Split(domain);
                if (!IngressMatching.HostMatches(domainHost, host))
                {
                    continue;
                }

                if (domainPath.Length > 0 && (suspicious || !PathCovers(domainPath, path, opensOnly ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }

                // Exact host beats wildcard; then the longest path prefix.
                var score = (domainHost.StartsWith("*.", StringComparison.Ordinal) ? 0 : 100_000) + domainPath.Length;
                if (score > bestScore)
                {
                    (best, bestScore) = (app, score);
                }
            }
        }

        return best;
    }

    private static bool PathCovers(string prefix, string path, StringComparison comparison) =>
        path.StartsWith(prefix, comparison)
        && (path.Length == prefix.Length || path[prefix.Length] == '/');
}
