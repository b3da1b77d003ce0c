using Tunnel.ControlPlane.Config;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Tests;

/// <summary>What an edge reports about itself is what other edges and connectors will dial: it must be well-formed.</summary>
public class EdgeReportTests
{
    [Theory]
    [InlineData("edge-a", "https://edge-a.internal:7846", "https://edge-a.example.com:7844", null)]
    [InlineData("edge-a", "", "", null)]
    [InlineData("", "", "", "edge id")]
    [InlineData("edge-a", "http://edge-a.internal:7846", "", "Edge:PeerUrl")]
    [InlineData("edge-a", "", "not a url", "Edge:ConnectorUrl")]
    [InlineData("edge-a", "ftp://edge-a.internal", "", "Edge:PeerUrl")]
    public void A_report_with_a_bad_id_or_address_is_refused_with_the_setting_to_fix(string id, string peerUrl, string connectorUrl, string? named)
    {
        var problem = EdgePlacements.Problem(new ConnectionReport { EdgeId = id, PeerUrl = peerUrl, ConnectorUrl = connectorUrl });
        if (named is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(named, problem);
        }
    }

    [Fact]
    public void Over_long_ids_and_addresses_are_refused()
    {
        Assert.NotNull(EdgePlacements.Problem(new ConnectionReport { EdgeId = new string('e', 129) }));
        Assert.NotNull(EdgePlacements.Problem(new ConnectionReport { EdgeId = "e", PeerUrl = "https://" + new string('a', 600) + ":7846" }));
    }
}
