using Tunnel.Connector.Cli;
using Tunnel.Connector.Supervisor;
using Tunnel.Shared.Security;

namespace Tunnel.Connector.Tests;

public class RunSettingsTests
{
    private static readonly string Token = new TunnelToken(Guid.NewGuid(), "s3cret", "https://edge.example.com:7844").Encode();

    [Fact]
    public void Token_and_url_make_one_catch_all_rule()
    {
        var settings = RunCommand.Resolve(Token, "http://localhost:3000", null, 4, null, null, null);
        Assert.Equal(new Uri("https://edge.example.com:7844"), settings.EdgeUrl);
        Assert.Single(settings.Ingress!.Rules);
        Assert.Equal(4, settings.HaConnections);
    }

    [Theory]
    [InlineData("not-a-token", "not a tunnel token")]
    [InlineData("", "empty")]
    public void Bad_tokens_are_explained(string token, string expected)
    {
        var ex = Assert.Throws<CliException>(() => RunCommand.Resolve(token, "http://localhost:3000", null, 4, null, null, null));
        Assert.Contains(expected, ex.Message);
        Assert.Equal(2, ex.ExitCode);
    }

    [Fact]
    public void Without_url_or_config_the_connector_waits_for_the_control_planes_rules()
    {
        var settings = RunCommand.Resolve(Token, null, null, 4, null, null, null);
        Assert.Null(settings.Ingress);
        var both = Assert.Throws<CliException>(() => RunCommand.Resolve(Token, "http://localhost:1", "config.yml", 4, null, null, null));
        Assert.Contains("not both", both.Message);
    }

    [Fact]
    public void Plain_http_edges_are_refused()
    {
        var ex = Assert.Throws<CliException>(() => RunCommand.Resolve(Token, "http://localhost:1", null, 4, null, ["http://edge:7844"], null));
        Assert.Contains("https://", ex.Message);
    }

    [Fact]
    public void Backoff_grows_with_jitter_up_to_the_cap_and_resets()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));
        var delays = Enumerable.Range(0, 8).Select(_ => backoff.Next()).ToList();
        Assert.InRange(delays[0].TotalSeconds, 0.5, 1);
        Assert.InRange(delays[2].TotalSeconds, 2, 4);
        Assert.All(delays.Skip(4), d => Assert.InRange(d.TotalSeconds, 4, 8));
        backoff.Reset();
        Assert.InRange(backoff.Next().TotalSeconds, 0.5, 1);
    }

    [Fact]
    public void Tokens_round_trip()
    {
        var token = new TunnelToken(Guid.NewGuid(), "abc", "https://e:1");
        Assert.True(TunnelToken.TryDecode(token.Encode(), out var decoded, out _));
        Assert.Equal(token, decoded);
    }
}
