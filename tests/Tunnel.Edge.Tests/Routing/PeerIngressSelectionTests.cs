using Tunnel.Edge.Routing;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Tests.Routing;

/// <summary>How an edge with no connection of a tunnel routes it: by the rules its connections on peer edges serve.</summary>
public class PeerIngressSelectionTests
{
    private const string RemoteJson = """[{"service":"http://localhost:3000"}]""";
    private static readonly IReadOnlyList<IngressRule> RemoteRules = [new IngressRule { Service = "http://localhost:3000" }];

    private static Placement On(string edge, string version, params IngressRule[] local)
    {
        var placement = new Placement { EdgeId = edge, IngressVersion = version, Connections = 2 };
        placement.LocalIngress.AddRange(local);
        return placement;
    }

    [Fact]
    public void The_control_planes_current_rules_when_a_peer_serves_them()
    {
        var tunnel = new TunnelConfig { Id = "t", IngressJson = RemoteJson };
        var choice = IngressSelection.ChooseFromPeers(tunnel, [On("b", IngressVersion.Of(RemoteJson))], RemoteRules);
        Assert.NotNull(choice);
        Assert.Equal(IngressVersion.Of(RemoteJson), choice.Version);
        Assert.Same(RemoteRules, choice.Rules);
    }

    [Fact]
    public void A_connectors_own_rules_come_with_its_placement()
    {
        var tunnel = new TunnelConfig { Id = "t" };
        var rule = new IngressRule { Hostname = "app.example.com", Service = "http://localhost:8080" };
        var choice = IngressSelection.ChooseFromPeers(tunnel, [On("b", IngressVersion.Local, rule)], null);
        Assert.NotNull(choice);
        Assert.Equal(IngressVersion.Local, choice.Version);
        Assert.Equal("app.example.com", Assert.Single(choice.Rules).Hostname);
    }

    [Fact]
    public void An_earlier_control_plane_version_or_no_placement_gives_no_route()
    {
        var tunnel = new TunnelConfig { Id = "t", IngressJson = RemoteJson };
        // Only its hash is known here, so its rules cannot be routed by: the tunnel stays offline on this edge.
        Assert.Null(IngressSelection.ChooseFromPeers(tunnel, [On("b", "0123456789ab")], RemoteRules));
        Assert.Null(IngressSelection.ChooseFromPeers(tunnel, [], RemoteRules));
        Assert.Null(IngressSelection.ChooseFromPeers(tunnel, [On("b", "")], RemoteRules)); // not yet confirmed
    }
}
