using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Tunnel.Shared.Ingress;

/// <summary>How an ingress rule matches a request, the same on the connector (validation, `ingress rule`) and the edge (routing).</summary>
public static class IngressMatching
{
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    /// <summary>An empty rule hostname matches any; "*.example.com" matches one or more labels below example.com.</summary>
    public static bool HostMatches(string ruleHostname, string hostname)
    {
        if (string.IsNullOrEmpty(ruleHostname) || ruleHostname == "*")
        {
            return true;
        }

        if (ruleHostname.StartsWith("*.", StringComparison.Ordinal))
        {
            return hostname.Length > ruleHostname.Length - 1
                && hostname.EndsWith(ruleHostname[1..], StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(ruleHostname, hostname, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>An empty rule path matches any; otherwise the regex is searched in the path, as cloudflared does.</summary>
    public static bool PathMatches(string rulePath, string path) =>
        string.IsNullOrEmpty(rulePath) || PathRegex(rulePath).IsMatch(path);

    public static Regex PathRegex(string pattern) =>
        Patterns.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromMilliseconds(100)));
}
