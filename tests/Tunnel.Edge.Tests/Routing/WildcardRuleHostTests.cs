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
