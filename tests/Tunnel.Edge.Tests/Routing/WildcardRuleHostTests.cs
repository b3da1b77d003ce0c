using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Edge.Connectors;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Tests.Routing;

/// <summary>
/// Under a wildcard route, a connector's narrower rule gets a route of its own name: a name the connector wrote,
/// which reaches every edge through the snapshot's placements. Only its normal form may become a route host.
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

    [Fact]
    public void A_peers_placement_with_malformed_rule_names_routes_only_the_well_formed_ones()
    {
        var wide = Tunnel("wide", "*.zone.example.com");
        var exact = Tunnel("exact", "x.zone.example.com");
        var placement = new Placement { EdgeId = "edge-2", IngressVersion = "local", Connections = 1 };
        placement.LocalIngress.AddRange(
        [
            new IngressRule { Hostname = "a:b.zone.example.com", Service = "http://127.0.0.1:1" }, // breaks ASP.NET Core's host matcher
            new IngressRule { Hostname = "xn--a.zone.example.com", Service = "http://127.0.0.1:1" }, // bad punycode: Idn throws
            new IngressRule { Hostname = "x.zone.example.com", Service = "http://127.0.0.1:1" }, // another tunnel's exact name
            new IngressRule { Hostname = "OK.Zone.Example.com.", Service = "http://127.0.0.1:2" }, // well formed, another spelling
            new IngressRule { Service = "http_status:404" },
        ]);
        wide.Placements.Add(placement);
        var snapshot = new ConfigSnapshot { Version = 1 };
        snapshot.Tunnels.AddRange([wide, exact]);
        snapshot.Edges.Add(new EdgeInfo { EdgeId = "edge-2", PeerUrl = "https://edge-2:7846" });

        var options = Options.Create(new EdgeOptions { Id = "edge-1", DataDirectory = _dir });
        var store = new ConfigStore(options, NullLogger<ConfigStore>.Instance);
        store.Apply(snapshot);
        var provider = new TunnelProxyConfigProvider(store, new ConnectorRegistry(), options);

        var hosts = provider.GetConfig().Routes.Select(r => r.Metadata![TunnelRouteMetadata.Host]).Distinct().Order().ToList();
        Assert.Equal(["*.zone.example.com", "ok.zone.example.com", "x.zone.example.com"], hosts);
        Assert.DoesNotContain(provider.GetConfig().Routes, r => r.RouteId.StartsWith("*.zone.example.com#", StringComparison.Ordinal)
            && r.Metadata![TunnelRouteMetadata.Host] == "x.zone.example.com");
    }

    [Fact]
    public void A_rule_reached_through_a_name_and_a_wildcard_of_the_same_tunnel_is_one_route()
    {
        // Two routes of one host and order are an AmbiguousMatchException: a 500 for every request to the name.
        var both = Tunnel("both", "*.dup.example.com", "api.dup.example.com", "Bad..Name.example.com");
        var placement = new Placement { EdgeId = "edge-2", IngressVersion = "local", Connections = 1 };
        placement.LocalIngress.AddRange(
        [
            new IngressRule { Hostname = "api.dup.example.com", Service = "http://127.0.0.1:1" },
            new IngressRule { Hostname = "*.b.dup.example.com", Path = "^/api", Service = "http://127.0.0.1:2" },
            new IngressRule { Service = "http://127.0.0.1:3" },
        ]);
        both.Placements.Add(placement);
        var snapshot = new ConfigSnapshot { Version = 1 };
        snapshot.Tunnels.Add(both);
        snapshot.Edges.Add(new EdgeInfo { EdgeId = "edge-2", PeerUrl = "https://edge-2:7846" });

        var options = Options.Create(new EdgeOptions { Id = "edge-1", DataDirectory = _dir });
        var store = new ConfigStore(options, NullLogger<ConfigStore>.Instance);
        store.Apply(snapshot);
        var routes = new TunnelProxyConfigProvider(store, new ConnectorRegistry(), options).GetConfig().Routes;

        var keys = routes.Select(r => (Host: r.Metadata![TunnelRouteMetadata.Host], r.Order)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Contains(("api.dup.example.com", (int?)0), keys);
        // A name with no normal form is left unrouted; the rest of the table stands.
        Assert.DoesNotContain(keys, k => k.Host.Contains("..", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_host_of_nested_wildcards_of_one_tunnel_gets_candidates_of_distinct_orders()
    {
        // Equal orders among a request's candidates are an AmbiguousMatchException: a 500.
        var nested = Tunnel("nested", "*.n.example.com", "*.b.n.example.com", "a.n.example.com");
        var placement = new Placement { EdgeId = "edge-2", IngressVersion = "local", Connections = 1 };
        placement.LocalIngress.AddRange(
        [
            new IngressRule { Hostname = "*.c.b.n.example.com", Path = "^/api", Service = "http://127.0.0.1:1" },
            new IngressRule { Hostname = "d.b.n.example.com", Path = "^/d", Service = "http://127.0.0.1:2" },
            new IngressRule { Service = "http://127.0.0.1:3" },
        ]);
        nested.Placements.Add(placement);
        var offline = Tunnel("offline", "*.o.example.com", "*.b.o.example.com");
        var snapshot = new ConfigSnapshot { Version = 1 };
        snapshot.Tunnels.AddRange([nested, offline]);
        snapshot.Edges.Add(new EdgeInfo { EdgeId = "edge-2", PeerUrl = "https://edge-2:7846" });
        var options = Options.Create(new EdgeOptions { Id = "edge-1", DataDirectory = _dir });
        var store = new ConfigStore(options, NullLogger<ConfigStore>.Instance);
        store.Apply(snapshot);

        // Endpoints as the route table's builder sorts them (by order), then the edge's host matching.
        var endpoints = new TunnelProxyConfigProvider(store, new ConnectorRegistry(), options).GetConfig().Routes
            .OrderBy(r => r.Order)
            .Select(r => (Microsoft.AspNetCore.Http.Endpoint)new Microsoft.AspNetCore.Http.Endpoint(null,
                new Microsoft.AspNetCore.Http.EndpointMetadataCollection(new Yarp.ReverseProxy.Model.RouteModel(r, null, Yarp.ReverseProxy.Forwarder.HttpTransformer.Default)), r.RouteId))
            .ToList();
        var policy = (Microsoft.AspNetCore.Routing.Matching.INodeBuilderPolicy)new TunnelHostMatcherPolicy();
        var edges = policy.GetEdges(endpoints);
        var table = policy.BuildJumpTable(-1, edges.Select((e, i) => new Microsoft.AspNetCore.Routing.Matching.PolicyJumpTableEdge(e.State, i)).ToList());
        foreach (var host in new[] { "x.n.example.com", "a.n.example.com", "x.b.n.example.com", "y.c.b.n.example.com", "d.b.n.example.com", "x.o.example.com", "x.b.o.example.com" })
        {
            var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
            context.Features.Set(new Tunnel.Edge.RequestTarget.CanonicalTarget(host, "/", "/"));
            var candidates = edges[table.GetDestination(context)].Endpoints
                .Select(e => e.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>()!.Config).ToList();
            Assert.NotEmpty(candidates);
            Assert.True(candidates.Select(c => c.Order).Distinct().Count() == candidates.Count,
                $"{host}: {string.Join(", ", candidates.Select(c => $"{c.RouteId} ({c.Order})"))}");
        }

        // A connector's narrower rule falls through to its tunnel's later rules: y.c.b.n reaches the catch-all too.
        var deep = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        deep.Features.Set(new Tunnel.Edge.RequestTarget.CanonicalTarget("y.c.b.n.example.com", "/", "/"));
        Assert.Contains(edges[table.GetDestination(deep)].Endpoints, e => e.DisplayName!.EndsWith("#2#*.b.n.example.com", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rule_for_a_name_under_the_tunnels_wildcard_keeps_its_place_among_the_rules()
    {
        // cloudflared takes the first rule that matches: a block written before a narrower name's rule still applies.
        var wide = Tunnel("wide", "*.w.example.com");
        var placement = new Placement { EdgeId = "edge-2", IngressVersion = "local", Connections = 1 };
        placement.LocalIngress.AddRange(
        [
            new IngressRule { Hostname = "*.w.example.com", Path = "^/admin", Service = "http_status:403" },
            new IngressRule { Hostname = "app.w.example.com", Service = "http://127.0.0.1:1" },
            new IngressRule { Service = "http://127.0.0.1:2" },
        ]);
        wide.Placements.Add(placement);
        var snapshot = new ConfigSnapshot { Version = 1 };
        snapshot.Tunnels.Add(wide);
        snapshot.Edges.Add(new EdgeInfo { EdgeId = "edge-2", PeerUrl = "https://edge-2:7846" });
        var options = Options.Create(new EdgeOptions { Id = "edge-1", DataDirectory = _dir });
        var store = new ConfigStore(options, NullLogger<ConfigStore>.Instance);
        store.Apply(snapshot);

        var endpoints = new TunnelProxyConfigProvider(store, new ConnectorRegistry(), options).GetConfig().Routes
            .OrderBy(r => r.Order)
            .Select(r => new Microsoft.AspNetCore.Http.Endpoint(null,
                new Microsoft.AspNetCore.Http.EndpointMetadataCollection(new Yarp.ReverseProxy.Model.RouteModel(r, null, Yarp.ReverseProxy.Forwarder.HttpTransformer.Default)), r.RouteId))
            .ToList();
        var policy = (Microsoft.AspNetCore.Routing.Matching.INodeBuilderPolicy)new TunnelHostMatcherPolicy();
        var edges = policy.GetEdges(endpoints);
        var table = policy.BuildJumpTable(-1, edges.Select((e, i) => new Microsoft.AspNetCore.Routing.Matching.PolicyJumpTableEdge(e.State, i)).ToList());
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Features.Set(new Tunnel.Edge.RequestTarget.CanonicalTarget("app.w.example.com", "/admin", "/admin"));
        var rules = edges[table.GetDestination(context)].Endpoints
            .Select(e => e.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>()!.Config)
            .OrderBy(c => c.Order).Select(c => c.Metadata![TunnelRouteMetadata.Rule]).ToList();
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
