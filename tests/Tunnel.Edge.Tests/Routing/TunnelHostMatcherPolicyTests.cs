using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Tunnel.Edge.RequestTarget;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Ingress;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Tests.Routing;

/// <summary>
/// The edge's host matching against its definition, on random names, wildcards, tunnels and Host headers: the
/// host's own name (exact, else the narrowest wildcard over it) and, when that name is derived from a connector's rule,
/// the tunnel's wildcards over it up to one it owns, in the edge's order; names compared in their normal form, as the Access gate compares them. (ASP.NET Core's
/// own policy is no oracle: under a broader wildcard it offers a narrower one's routes, a 500 for nested wildcards.)
/// </summary>
public sealed class TunnelHostMatcherPolicyTests
{
    // σ and ς are two names in IDNA (xn--4xa, xn--3xa) that a case-insensitive comparison of the Unicode forms merges.
    // Mostly two labels, so names nest deeply (wildcards over wildcards of different tunnels); sometimes the odd ones.
    private static readonly Gen<string> Label = Gen.Frequency(
        (6, Gen.OneOfConst("a", "b")),
        (1, Gen.OneOfConst("A", "xn--4xa", "xn--3xa", "σ", "ς", "Σ", "é", "app", "")));
    private static readonly Gen<string> Name = Label.Array[1, 4].Select(labels => string.Join('.', labels));

    /// <summary>A route's host in the normal form the edge stores: none (an edge endpoint: any host), a name or a wildcard.</summary>
    private static readonly Gen<string?> RouteHost = Gen.Frequency(
        (1, Gen.Const((string?)null)),
        (4, Name.Select(n => HostnameForm.Normalize(n))),
        (2, Name.Select(n => HostnameForm.Normalize("*." + n))));

    private static readonly Gen<string> RequestHost = Gen.Select(Name, Gen.OneOfConst("", ":443", ":8080", "."), (n, tail) => n + tail);

    [Fact]
    public void Chooses_the_hosts_own_name_and_after_a_derived_one_its_tunnels_wildcards_up_to_an_owned_one()
    {
        Gen.Select(RouteHost.Array[0, 12], Gen.Int[1, 2].Array[12], Gen.Bool.Array[12], RequestHost.Array[1, 8]).Sample(input =>
        {
            var (routeHosts, tunnelPicks, derivedPicks, requests) = input;
            // A name belongs to one tunnel, as in the control plane; it is the tunnel's own, or derived from a rule.
            var distinct = routeHosts.OfType<string>().Distinct().ToList();
            var tunnelOf = distinct.Select((h, i) => (h, t: $"t{tunnelPicks[i % tunnelPicks.Length]}")).ToDictionary(x => x.h, x => x.t);
            var derived = distinct.Where((h, i) => derivedPicks[i % derivedPicks.Length]).ToHashSet();
            var endpoints = routeHosts.Select((h, i) => Endpoint(h, h is null ? null : tunnelOf[h], i, h is not null && derived.Contains(h))).ToList();
            foreach (var request in requests)
            {
                var canonical = Canonical(request);
                var actual = Choose(new TunnelHostMatcherPolicy(), endpoints, canonical);
                var expected = Oracle(routeHosts, tunnelOf, derived, canonical);
                Assert.True(expected.SequenceEqual(actual),
                    $"routes [{string.Join(", ", routeHosts.Select(h => h is null ? "(any)" : $"{h}@{tunnelOf[h]}{(derived.Contains(h) ? " derived" : "")}"))}], Host {request} ({canonical ?? "refused"}): "
                    + $"expected [{string.Join(", ", expected)}], ours [{string.Join(", ", actual)}]");
            }
        }, iter: 5_000);
    }

    [Fact]
    public void Does_not_apply_to_the_edges_own_endpoints()
    {
        Assert.False(new TunnelHostMatcherPolicy().AppliesToEndpoints([Endpoint(null, null, 0), Endpoint(null, null, 1)]));
        Assert.True(new TunnelHostMatcherPolicy().AppliesToEndpoints([Endpoint(null, null, 0), Endpoint("a.example.com", "t1", 1)]));
    }

    /// <summary>The canonical host as RequestTargetMiddleware sets it; null when it refuses the Host (400 before routing).</summary>
    private static string? Canonical(string header)
    {
        var colon = header.LastIndexOf(':');
        var host = HostnameForm.Normalize(colon >= 0 ? header[..colon] : header);
        return host is null || host.StartsWith('*') ? null : host;
    }

    private static List<string> Oracle(string?[] routeHosts, Dictionary<string, string> tunnelOf, HashSet<string> derived, string? host)
    {
        if (routeHosts.All(h => h is null))
        {
            return routeHosts.Select((_, i) => $"{i}:*").ToList(); // no tunnel route here: the policy stays out
        }

        if (host is null)
        {
            return AnyHost(routeHosts); // a request with no canonical target reaches only the edge's own endpoints
        }

        // The host's own name; after a derived one, the broader wildcards over it of the same tunnel up to the first it
        // owns, stopping at one of another tunnel.
        var own = tunnelOf.ContainsKey(host) ? host : WildcardsOver(host).FirstOrDefault(tunnelOf.ContainsKey);
        var names = new HashSet<string>();
        if (own is not null)
        {
            names.Add(own);
            foreach (var wildcard in derived.Contains(own) ? WildcardsOver(own).Where(tunnelOf.ContainsKey) : [])
            {
                if (tunnelOf[wildcard] != tunnelOf[own])
                {
                    break;
                }

                names.Add(wildcard);
                if (!derived.Contains(wildcard))
                {
                    break;
                }
            }
        }

        return routeHosts.Select((h, i) => (h, i)).Where(r => r.h is null || names.Contains(r.h)).Select(r => $"{r.i}:{r.h ?? "*"}").ToList();
    }

    /// <summary>Wildcards that cover a name or a narrower wildcard, narrowest first: a.b.c → *.b.c, *.c.</summary>
    private static IEnumerable<string> WildcardsOver(string name)
    {
        var labels = (name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name).Split('.');
        for (var i = 1; i < labels.Length; i++)
        {
            yield return "*." + string.Join('.', labels[i..]);
        }
    }

    private static List<string> AnyHost(string?[] routeHosts) =>
        routeHosts.Select((h, i) => (h, i)).Where(r => r.h is null).Select(r => $"{r.i}:*").ToList();

    /// <summary>The names of the endpoints the policy's jump table sends the request to, in the edge's order.</summary>
    private static List<string> Choose(INodeBuilderPolicy policy, IReadOnlyList<Endpoint> endpoints, string? canonicalHost)
    {
        if (!policy.AppliesToEndpoints(endpoints))
        {
            return endpoints.Select(e => e.DisplayName!).ToList();
        }

        var edges = policy.GetEdges(endpoints);
        var table = policy.BuildJumpTable(-1, edges.Select((e, i) => new PolicyJumpTableEdge(e.State, i)).ToList());
        var context = new DefaultHttpContext();
        if (canonicalHost is not null)
        {
            context.Features.Set(new CanonicalTarget(canonicalHost, "/", "/"));
        }

        var destination = table.GetDestination(context);
        return destination < 0 ? [] : edges[destination].Endpoints.Select(e => e.DisplayName!).ToList();
    }

    private static Endpoint Endpoint(string? host, string? tunnel, int index, bool derived = false)
    {
        var metadata = host is null ? null : new Dictionary<string, string> { [TunnelRouteMetadata.Host] = host, [TunnelRouteMetadata.TunnelId] = tunnel! };
        if (derived)
        {
            metadata![TunnelRouteMetadata.DerivedHost] = "true";
        }

        var route = new RouteConfig { RouteId = $"r{index}", Match = new RouteMatch { Path = "/{**path}" }, Metadata = metadata };
        return new Endpoint(null, new EndpointMetadataCollection(new RouteModel(route, null, HttpTransformer.Default)), $"{index}:{host ?? "*"}");
    }
}
