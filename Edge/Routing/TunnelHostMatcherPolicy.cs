using Microsoft.AspNetCore.Routing.Matching;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Routing;

/// <summary>
/// Host matching for tunnel routes (their <see cref="TunnelRouteMetadata.Host"/>): the request's <c>Host</c> as
/// <see cref="HttpRequest.Host"/> gives it (port ignored, case-insensitive), an exact name first, else the narrowest
/// wildcard (<c>*.example.com</c>: every name under example.com, not example.com itself). ASP.NET Core's host matching
/// compares every route with every name when it builds (seconds of CPU per config change or registration at 2,000
/// names), and under a broader wildcard offers a narrower one's routes too (x.example.com could reach the tunnel of
/// *.a.example.com); this one builds from dictionaries. Endpoints without a tunnel host (the edge's own) match any host.
/// </summary>
internal sealed class TunnelHostMatcherPolicy : MatcherPolicy, INodeBuilderPolicy
{
    // Before the path-regex and listener selector policies, like ASP.NET Core's own host policy.
    public override int Order => -100;

    public static string? HostOf(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<RouteModel>()?.Config.Metadata?.GetValueOrDefault(TunnelRouteMetadata.Host);

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
    /// One edge per exact name and per wildcard suffix, and one for a host no tunnel route names. An exact name's edge
    /// holds its routes and those of the narrowest wildcard over it (a connector's rule for a name under its tunnel's
    /// wildcard falls through to the wildcard's later rules); a wildcard's edge holds its own routes only, as the
    /// narrowest wildcard that covers a host owns it (every name's routes end with one that claims every path). Each
    /// edge keeps the builder's order of endpoints, and the endpoints that match any host.
    /// </summary>
    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints)
    {
        var exact = new Dictionary<string, List<Endpoint>>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new Dictionary<string, List<Endpoint>>(StringComparer.OrdinalIgnoreCase); // key: ".example.com"
        var anyHost = new List<Endpoint>();
        var hosts = new string?[endpoints.Count];
        for (var i = 0; i < endpoints.Count; i++)
        {
            var host = hosts[i] = HostOf(endpoints[i]);
            if (host is null)
            {
                continue;
            }

            if (host.StartsWith("*.", StringComparison.Ordinal))
            {
                wildcards.TryAdd(host[1..], []);
            }
            else
            {
                exact.TryAdd(host, []);
            }
        }

        // The narrowest wildcard that covers each exact name, by walking the name's labels (a.b.example.com:
        // .b.example.com, then .example.com, then .com): never route × name.
        var underWildcard = new Dictionary<string, List<List<Endpoint>>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, list) in wildcards.Count > 0 ? exact : [])
        {
            for (var dot = name.IndexOf('.'); dot >= 0; dot = name.IndexOf('.', dot + 1))
            {
                if (wildcards.ContainsKey(name[dot..]))
                {
                    (underWildcard.TryGetValue(name[dot..], out var lists) ? lists : underWildcard[name[dot..]] = []).Add(list);
                    break;
                }
            }
        }

        // One pass in the builder's order, so every edge's list stays sorted as the DFA's candidate scores assume.
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            if (hosts[i] is not { } host)
            {
                anyHost.Add(endpoint);
                foreach (var list in exact.Values)
                {
                    list.Add(endpoint);
                }

                foreach (var list in wildcards.Values)
                {
                    list.Add(endpoint);
                }
            }
            else if (host.StartsWith("*.", StringComparison.Ordinal))
            {
                wildcards[host[1..]].Add(endpoint);
                foreach (var list in underWildcard.GetValueOrDefault(host[1..]) ?? [])
                {
                    list.Add(endpoint);
                }
            }
            else
            {
                exact[host].Add(endpoint);
            }
        }

        var edges = new List<PolicyNodeEdge>(exact.Count + wildcards.Count + 1);
        edges.AddRange(exact.Select(e => new PolicyNodeEdge(new EdgeKey(false, e.Key), e.Value)));
        edges.AddRange(wildcards.Select(w => new PolicyNodeEdge(new EdgeKey(true, w.Key), w.Value)));
        edges.Add(new PolicyNodeEdge(new EdgeKey(false, ""), anyHost));
        return edges;
    }

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges)
    {
        var exact = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var noMatch = exitDestination;
        foreach (var edge in edges)
        {
            var key = (EdgeKey)edge.State;
            if (key.Wildcard)
            {
                wildcards[key.Name] = edge.Destination;
            }
            else if (key.Name.Length == 0)
            {
                noMatch = edge.Destination;
            }
            else
            {
                exact[key.Name] = edge.Destination;
            }
        }

        return new HostJumpTable(exact, wildcards, noMatch);
    }

    private readonly record struct EdgeKey(bool Wildcard, string Name);

    private sealed class HostJumpTable(Dictionary<string, int> exact, Dictionary<string, int> wildcards, int noMatch) : PolicyJumpTable
    {
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _exact = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wildcards = wildcards.GetAlternateLookup<ReadOnlySpan<char>>();

        public override int GetDestination(HttpContext httpContext)
        {
            ReadOnlySpan<char> host = httpContext.Request.Host.Host;
            if (_exact.TryGetValue(host, out var destination))
            {
                return destination;
            }

            // The longest wildcard suffix that covers the host (as ASP.NET Core's: the host ends with ".example.com").
            for (var dot = wildcards.Count > 0 ? host.IndexOf('.') : -1; dot >= 0; dot = NextDot(host, dot))
            {
                if (_wildcards.TryGetValue(host[dot..], out destination))
                {
                    return destination;
                }
            }

            return noMatch;
        }

        private static int NextDot(ReadOnlySpan<char> host, int dot) => host[(dot + 1)..].IndexOf('.') is var next and >= 0 ? dot + 1 + next : -1;
    }
}
