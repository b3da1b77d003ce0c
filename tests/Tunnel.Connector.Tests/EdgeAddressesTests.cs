using Tunnel.Connector.Cli;
using Tunnel.Connector.Supervisor;
using Tunnel.Shared.Security;

namespace Tunnel.Connector.Tests;

/// <summary>Which edge each HA connection dials: spread over the edges the cluster tells of, or only the ones pinned.</summary>
public class EdgeAddressesTests
{
    private static readonly string Token = new TunnelToken(Guid.NewGuid(), "s3cret", "https://edge.example.com:7844").Encode();

    [Fact]
    public void Four_connections_spread_over_the_three_edges_a_registration_names_and_a_lost_one_moves_on()
    {
        var edges = new EdgeAddresses(RunCommand.Resolve(Token, "http://localhost:3000", null, 4, null, null, null));
        Assert.Equal("https://edge.example.com:7844/", edges.For(2, 0).ToString()); // before discovery: the token's edge

        edges.Learn(["https://a.example.com:7844", "https://b.example.com:7844", "https://c.example.com:7844", "http://plain.example.com", "not a url"]);
        Assert.Equal(["a", "b", "c", "a"], Enumerable.Range(0, 4).Select(i => edges.For(i, 0).Host[..1]));
        // Connection 0 lost edge a: its next attempt goes to b, then c, then a again.
        Assert.Equal(["b", "c", "a"], Enumerable.Range(1, 3).Select(attempt => edges.For(0, attempt).Host[..1]));
        Assert.True(edges.IsOperatorGiven(new Uri("https://edge.example.com:7844")));
        Assert.False(edges.IsOperatorGiven(new Uri("https://b.example.com:7844")));

        edges.Learn([]); // a registration naming none keeps what is known
        Assert.Equal(3, edges.Current.Count);
    }

    [Fact]
    public void Pinned_edges_are_used_as_given_whatever_a_registration_says()
    {
        var edges = new EdgeAddresses(RunCommand.Resolve(Token, "http://localhost:3000", null, 4, null, ["https://x.example.com:7844", "https://y.example.com:7844"], null));
        edges.Learn(["https://a.example.com:7844"]);
        Assert.Equal(["x", "y", "x", "y"], Enumerable.Range(0, 4).Select(i => edges.For(i, 0).Host[..1]));
        Assert.True(edges.IsOperatorGiven(new Uri("https://y.example.com:7844")));
    }
}
