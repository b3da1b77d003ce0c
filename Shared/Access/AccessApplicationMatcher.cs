using Tunnel.Shared.Ingress;

namespace Tunnel.Shared.Access;

/// <summary>
/// Which application covers a request, decided on its canonical target: exact hostnames before wildcards, longer
/// path prefixes before shorter. Hosts compare in their one normal form (punycode), whichever way a domain was written.
/// A prefix matches whole segments only (/admin covers /admin/x, not /administrator). A prefix that protects
/// matches on the path's key, so every reading an origin may have of the path (/ADMIN, /admin;x, /admin.) stays
/// covered; a prefix that only opens (every policy bypass) must match the canonical path exactly, so folding can
/// never open more than was written.
/// <para>The edge's gate and the dashboard's policy tester both pick applications with it.</para>
/// </summary>
public sealed class AccessApplicationMatcher
{
    private readonly IReadOnlyList<Entry> _entries;

    private AccessApplicationMatcher(IReadOnlyList<Entry> entries) => _entries = entries;

    public static AccessApplicationMatcher Build(IEnumerable<AccessApplication> applications)
    {
        var entries = new List<Entry>();
        foreach (var app in applications)
        {
            var opensOnly = app.Policies.All(p => p.Action == AccessActions.Bypass);
            foreach (var domain in app.Domains)
            {
                var (host, path) = AccessDomain.Split(domain);
                if (HostnameForm.Normalize(host) is not { } normalHost)
                {
                    continue; // refused by the control plane's validation; never matches rather than matching wrongly
                }

                var prefix = path.Length == 0 ? "" : path;
                entries.Add(new Entry(app, normalHost, prefix, PathForm.Key(prefix), opensOnly));
            }
        }

        return new AccessApplicationMatcher(entries);
    }

    public AccessApplication? Find(string host, string path, string pathKey)
    {
        AccessApplication? best = null;
        var bestScore = -1;
        foreach (var entry in _entries)
        {
            if (!IngressMatching.HostMatches(entry.Host, host))
            {
                continue;
            }

            if (entry.Prefix.Length > 0 && !(entry.OpensOnly ? PathForm.Covers(entry.Prefix, path) : PathForm.Covers(entry.PrefixKey, pathKey)))
            {
                continue;
            }

            // Exact host beats wildcard; then the longest path prefix; on a tie, one that protects.
            var score = (entry.Host.StartsWith("*.", StringComparison.Ordinal) ? 0 : 1_000_000) + entry.PrefixKey.Length * 2 + (entry.OpensOnly ? 0 : 1);
            if (score > bestScore)
            {
                (best, bestScore) = (entry.App, score);
            }
        }

        return best;
    }

    /// <summary>Whether an application covers a hostname at all (any of its domains, whatever the path).</summary>
    public static bool CoversHost(AccessApplication app, string host) =>
        app.Domains.Any(d => HostnameForm.Normalize(AccessDomain.Split(d).Host) is { } h && IngressMatching.HostMatches(h, host));

    private sealed record Entry(AccessApplication App, string Host, string Prefix, string PrefixKey, bool OpensOnly);
}
