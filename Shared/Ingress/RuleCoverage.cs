namespace Tunnel.Shared.Ingress;

/// <summary>
/// Rules whose hostname no routed name of the tunnel covers: their requests never reach the tunnel, and a typo in a
/// rule's hostname otherwise shows only as the catch-all's empty 404. Said where the rules are set or loaded.
/// </summary>
public static class RuleCoverage
{
    public static IReadOnlyList<string> UnroutedRules(IEnumerable<string?> ruleHostnames, IReadOnlyCollection<string> routed, string tunnelName)
    {
        var warnings = new List<string>();
        var n = 0;
        foreach (var hostname in ruleHostnames)
        {
            n++;
            if (string.IsNullOrEmpty(hostname) || hostname == "*")
            {
                continue;
            }

            // Covered when a routed name matches the rule, or the rule (a wildcard) covers a routed name, or a routed
            // wildcard covers the rule's name.
            var covered = routed.Any(r => IngressMatching.HostMatches(hostname, r) || IngressMatching.HostMatches(r, hostname)
                || string.Equals(r, hostname, StringComparison.OrdinalIgnoreCase));
            if (!covered)
            {
                warnings.Add($"ingress rule #{n}: hostname {hostname} is not routed to tunnel {tunnelName}, so no request for it arrives: " +
                    $"route it (tunnel route dns {tunnelName} {hostname}) or check its spelling" +
                    (routed.Count > 0 ? $" (routed: {string.Join(", ", routed.Order(StringComparer.Ordinal))})" : ""));
            }
        }

        return warnings;
    }
}
