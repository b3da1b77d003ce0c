using Microsoft.AspNetCore.Routing.Matching;
using Tunnel.Edge.RequestTarget;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Routing;

/// <summary>
/// Host matching for tunnel routes (their <see cref="TunnelRouteMetadata.Host"/>, in HostnameForm's normal form), on
/// the request's canonical host: the bytes the Access gate decides on, compared ordinally (a request with no canonical
/// target matches no tunnel route). The host's own name wins: its exact name, else the narrowest wildcard over it
/// (<c>*.example.com</c>: every name under example.com, not example.com itself). A name the tunnel does not own (a
/// connector's rule for *.b.example.com under its tunnel's *.example.com) is followed by the tunnel's wildcards over it
/// up to one it owns, so the rule falls through to the tunnel's later rules, as in cloudflared. ASP.NET Core's host matching built in
/// routes × names (seconds per config change at 2,000 names) and, under a broader wildcard, offered a narrower one's
/// routes too; this one builds from dictionaries. Endpoints without a tunnel host (the edge's own) match any host.
/// </summary>
internal sealed class TunnelHostMatcherPolicy : MatcherPolicy, INodeBuilderPolicy
{
    // Before the path-regex and listener selector policies, like ASP.NET Core's own host policy.
    public override int Order => -100;

    private static IReadOnlyDictionary<string, string>? MetadataOf(Endpoint endpoint) => endpoint.Metadata.GetMetadata<RouteModel>()?.Config.Metadata;

    private static string? HostOf(Endpoint endpoint) => MetadataOf(endpoint)?.GetValueOrDefault(TunnelRouteMetadata.Host);

    private static bool IsWildcard(string host) => host.StartsWith("*.", StringComparison.Ordinal);

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (HostOf(endpoints[i]) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// One edge per exact name and per wildcard, and one for a host no tunnel route names, each holding the endpoints
    /// that may answer there in the builder's order, with the endpoints that match any host.
    /// </summary>
    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints)
    {
        var lists = new Dictionary<string, List<Endpoint>>(StringComparer.Ordinal); // key: a.example.com or *.example.com
        var tunnels = new Dictionary<string, string?>(StringComparer.Ordinal);
        var owned = new HashSet<string>(StringComparer.Ordinal); // names of their tunnel: a route of each claims every path
        var hosts = new string?[endpoints.Count];
        for (var i = 0; i < endpoints.Count; i++)
        {
            var metadata = MetadataOf(endpoints[i]);
            if ((hosts[i] = metadata?.GetValueOrDefault(TunnelRouteMetadata.Host)) is not { } host)
            {
                continue;
            }

            if (lists.TryAdd(host, []))
            {
                tunnels[host] = metadata!.GetValueOrDefault(TunnelRouteMetadata.TunnelId);
            }

            if (!metadata!.ContainsKey(TunnelRouteMetadata.DerivedHost))
            {
                owned.Add(host);
            }
        }

        // A name the tunnel does not own (a connector's narrower rule under the tunnel's wildcard) falls through to the
        // tunnel's wildcards over it, walking its labels (a.b.example.com: *.b.example.com, then *.example.com, ...) up
        // to the first the tunnel owns, whose routes end with one that claims every path. Never another tunnel's
        // wildcard (its routes share the wildcard order band), never past an owned one (two routes of one rule order
        // would tie: a 500), never route × name.
        var fallsTo = new Dictionary<string, List<List<Endpoint>>>(StringComparer.Ordinal); // wildcard -> lists
        foreach (var (key, list) in lists)
        {
            var tunnel = tunnels[key];
            for (var dot = key.IndexOf('.', IsWildcard(key) ? 2 : 0); dot >= 0 && tunnel is not null && !owned.Contains(key); dot = key.IndexOf('.', dot + 1))
            {
                var wildcard = "*" + key[dot..];
                if (!lists.ContainsKey(wildcard))
                {
                    continue;
                }

                if (tunnels[wildcard] != tunnel)
                {
                    break;
                }

                (fallsTo.TryGetValue(wildcard, out var into) ? into : fallsTo[wildcard] = []).Add(list);
                if (owned.Contains(wildcard))
                {
                    break;
                }
            }
        }

        // One pass in the builder's order, so every edge's list keeps it.
        var anyHost = new List<Endpoint>();
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            if (hosts[i] is not { } host)
            {
                anyHost.Add(endpoint);
                foreach (var list in lists.Values)
                {
                    list.Add(endpoint);
                }

                continue;
            }

            lists[host].Add(endpoint);
            foreach (var list in fallsTo.GetValueOrDefault(host) ?? [])
            {
                list.Add(endpoint);
            }
        }

        var edges = new List<PolicyNodeEdge>(lists.Count + 1);
        edges.AddRange(lists.Select(l => new PolicyNodeEdge(new EdgeKey(l.Key), l.Value)));
        edges.Add(new PolicyNodeEdge(EdgeKey.NoTunnelHost, anyHost));
        return edges;
    }

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges)
    {
        var exact = new Dictionary<string, int>(StringComparer.Ordinal);
        var wildcards = new Dictionary<string, int>(StringComparer.Ordinal); // key: ".example.com"
        var noMatch = exitDestination;
        foreach (var edge in edges)
        {
            var key = (EdgeKey)edge.State;
            if (key == EdgeKey.NoTunnelHost)
            {
                noMatch = edge.Destination;
            }
            else if (IsWildcard(key.Host!))
            {
                wildcards[key.Host![1..]] = edge.Destination;
            }
            else
            {
                exact[key.Host!] = edge.Destination;
            }
        }

        return new HostJumpTable(exact, wildcards, noMatch);
    }

    /// <summary>An edge's host; null for the edge of hosts no tunnel route names.</summary>
    private sealed record EdgeKey(string? Host)
    {
        public static readonly EdgeKey NoTunnelHost = new((string?)null);
    }

    private sealed class HostJumpTable(Dictionary<string, int> exact, Dictionary<string, int> wildcards, int noMatch) : PolicyJumpTable
    {
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wildcards = wildcards.GetAlternateLookup<ReadOnlySpan<char>>();

        public override int GetDestination(HttpContext httpContext)
        {
            // The canonical host (RequestTargetMiddleware); requests without one (the connector and peer listeners)
            // reach no tunnel route.
            if (httpContext.Features.Get<CanonicalTarget>()?.Host is not { } host)
            {
                return noMatch;
            }

            if (exact.TryGetValue(host, out var destination))
            {
                return destination;
            }

            // The narrowest wildcard over the host.
            for (var dot = wildcards.Count > 0 ? host.IndexOf('.') : -1; dot >= 0; dot = host.IndexOf('.', dot + 1))
            {
                if (_wildcards.TryGetValue(host.AsSpan(dot), out destination))
                {
                    return destination;
                }
            }

            return noMatch;
        }
    }
}
