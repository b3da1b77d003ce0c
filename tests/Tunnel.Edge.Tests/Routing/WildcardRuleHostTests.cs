using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Edge.Connectors;
using Tunnel.Edge.RequestTarget;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Protocol;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Tests.Routing;

/// <summary>
/// Under a wildcard route, a connector's narrower rule gets a route of its own name: a name the connector wrote,
/// which reaches every edge through the snapshot's placements. Only its normal form may become a route host; its
/// routes keep their place among the rules, and no request meets two routes of one order (a 500).
/// </summary>
public sealed class WildcardRuleHostTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tunnel-edge-{Guid.NewGuid():N}");

    private static TunnelConfig Tunnel(string name, params string[] hostnames)
    {
        var tunnel = new TunnelConfig { Id = Guid.NewGuid().ToString(), Name = name, SecretHash = ByteString.CopyFrom(new byte[32]) };
        tunnel.Hostnames.AddRange(hostnames);
        return tunnel;
    }

    /// <summary>The tunnel is served through peer edge-2, whose connector registered these rules of its own.</summary>
    private static TunnelConfig ServedWith(TunnelConfig tunnel, params IngressRule[] rules)
    {
        var placement = new Placement { EdgeId = "edge-2", IngressVersion = "local", Connections = 1 };
        placement.LocalIngress.AddRange(rules);
        tunnel.Placements.Add(placement);
        return tunnel;
    }

    /// <summary>The route table edge-1 builds for these tunnels.</summary>
    private IReadOnlyList<RouteConfig> RoutesOf(params TunnelConfig[] tunnels)
    {
        var snapshot = new ConfigSnapshot { Version = 1 };
        snapshot.Tunnels.AddRange(tunnels);
        snapshot.Edges.Add(new EdgeInfo { EdgeId = "edge-2", PeerUrl = "https://edge-2:7846" });
        var options = Options.Create(new EdgeOptions { Id = "edge-1", DataDirectory = _dir });
        var store = new ConfigStore(options, NullLogger<ConfigStore>.Instance);
        store.Apply(snapshot);
        return new TunnelProxyConfigProvider(store, new ConnectorRegistry(), options).GetConfig().Routes;
    }

    /// <summary>The routes a request to a host may take, in order, as the edge's host matching picks them from the table.</summary>
    private static Func<string, List<RouteConfig>> CandidatesOf(IReadOnlyList<RouteConfig> routes)
    {
        // Endpoints as the route table's builder sorts them (by order).
        var endpoints = routes.OrderBy(r => r.Order)
            .Select(r => new Endpoint(null, new EndpointMetadataCollection(new RouteModel(r, null, HttpTransformer.Default)), r.RouteId))
            .ToList();
        INodeBuilderPolicy policy = new TunnelHostMatcherPolicy();
        var edges = policy.GetEdges(endpoints);
        var table = policy.BuildJumpTable(-1, edges.Select((e, i) => new PolicyJumpTableEdge(e.State, i)).ToList());
        return host =>
        {
            var context = new DefaultHttpContext();
            context.Features.Set(new CanonicalTarget(host, "/", "/"));
            return edges[table.GetDestination(context)].Endpoints.Select(e => e.Metadata.GetMetadata<RouteModel>()!.Config).ToList();
        };
    }

    [Fact]
    public void A_peers_placement_with_malformed_rule_names_routes_only_the_well_formed_ones()
    {
        var routes = RoutesOf(
            ServedWith(Tunnel("wide", "*.zone.example.com"),
                new IngressRule { Hostname = "a:b.zone.example.com", Service = "http://127.0.0.1:1" }, // not a name
                new IngressRule { Hostname = "xn--a.zone.example.com", Service = "http://127.0.0.1:1" }, // bad punycode
                new IngressRule { Hostname = "x.zone.example.com", Service = "http://127.0.0.1:1" }, // another tunnel's exact name
                new IngressRule { Hostname = "OK.Zone.Example.com.", Service = "http://127.0.0.1:2" }, // well formed, another spelling
                new IngressRule { Service = "http_status:404" }),
            Tunnel("exact", "x.zone.example.com"));

        var hosts = routes.Select(r => r.Metadata![TunnelRouteMetadata.Host]).Distinct().Order().ToList();
        Assert.Equal(["*.zone.example.com", "ok.zone.example.com", "x.zone.example.com"], hosts);
        Assert.DoesNotContain(routes, r => r.RouteId.StartsWith("*.zone.example.com#", StringComparison.Ordinal)
            && r.Metadata![TunnelRouteMetadata.Host] == "x.zone.example.com");
    }

    [Fact]
    public void A_rule_reached_through_a_name_and_a_wildcard_of_the_same_tunnel_is_one_route()
    {
        var routes = RoutesOf(ServedWith(Tunnel("both", "*.dup.example.com", "api.dup.example.com", "Bad..Name.example.com"),
            new IngressRule { Hostname = "api.dup.example.com", Service = "http://127.0.0.1:1" },
            new IngressRule { Hostname = "*.b.dup.example.com", Path = "^/api", Service = "http://127.0.0.1:2" },
            new IngressRule { Service = "http://127.0.0.1:3" }));

        var keys = routes.Select(r => (Host: r.Metadata![TunnelRouteMetadata.Host], r.Order)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Contains(("api.dup.example.com", (int?)0), keys);
        // A name with no normal form is left unrouted; the rest of the table stands.
        Assert.DoesNotContain(keys, k => k.Host.Contains("..", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_host_of_nested_wildcards_of_one_tunnel_gets_candidates_of_distinct_orders()
    {
        var candidates = CandidatesOf(RoutesOf(
            ServedWith(Tunnel("nested", "*.n.example.com", "*.b.n.example.com", "a.n.example.com"),
                new IngressRule { Hostname = "*.c.b.n.example.com", Path = "^/api", Service = "http://127.0.0.1:1" },
                new IngressRule { Hostname = "d.b.n.example.com", Path = "^/d", Service = "http://127.0.0.1:2" },
                new IngressRule { Service = "http://127.0.0.1:3" }),
            Tunnel("offline", "*.o.example.com", "*.b.o.example.com")));

        foreach (var host in new[] { "x.n.example.com", "a.n.example.com", "x.b.n.example.com", "y.c.b.n.example.com", "d.b.n.example.com", "x.o.example.com", "x.b.o.example.com" })
        {
            var routes = candidates(host);
            Assert.NotEmpty(routes);
            Assert.True(routes.Select(c => c.Order).Distinct().Count() == routes.Count, $"{host}: {string.Join(", ", routes.Select(c => $"{c.RouteId} ({c.Order})"))}");
        }

        // A connector's narrower rule falls through to its tunnel's later rules: y.c.b.n reaches the catch-all too.
        Assert.Contains(candidates("y.c.b.n.example.com"), r => r.RouteId.EndsWith("#2#*.b.n.example.com", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rule_for_a_name_under_the_tunnels_wildcard_keeps_its_place_among_the_rules()
    {
        // cloudflared takes the first rule that matches: a block written before a narrower name's rule still applies.
        var candidates = CandidatesOf(RoutesOf(ServedWith(Tunnel("wide", "*.w.example.com"),
            new IngressRule { Hostname = "*.w.example.com", Path = "^/admin", Service = "http_status:403" },
            new IngressRule { Hostname = "app.w.example.com", Service = "http://127.0.0.1:1" },
            new IngressRule { Service = "http://127.0.0.1:2" })));

        var rules = candidates("app.w.example.com").OrderBy(c => c.Order).Select(c => c.Metadata![TunnelRouteMetadata.Rule]).ToList();
        Assert.Equal(["1", "2", "3"], rules);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
