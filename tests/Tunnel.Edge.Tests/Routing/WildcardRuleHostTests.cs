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
