using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;

namespace Tunnel.Connector.Tests.Ingress;

public class IngressRuleSetTests
{
    [Fact]
    public void First_matching_rule_wins_and_the_catch_all_takes_the_rest()
    {
        var rules = IngressRuleSet.Validate([
            new("api.example.com", "^/v1/", "http://localhost:8001"),
            new("api.example.com", null, "http://localhost:8002"),
            new("*.dev.example.com", null, "unix:/run/dev.sock"),
            new(null, null, "http_status:404"),
        ]);

        Assert.Equal(0, rules.Match("api.example.com", "/v1/users").Index);
        Assert.Equal(1, rules.Match("api.example.com", "/v2/users").Index);
        Assert.Equal(2, rules.Match("a.dev.example.com", "/").Index);
        Assert.Equal(3, rules.Match("dev.example.com", "/").Index);
        Assert.Equal(404, rules.Match("other.example.com", "/").Rule.Service.Status);
    }

    [Fact]
    public void Last_rule_must_be_a_catch_all()
    {
        var ex = Assert.Throws<IngressException>(() => IngressRuleSet.Validate([new("a.example.com", null, "http://localhost:1")]));
        Assert.Contains("rule #1", ex.Message);
        Assert.Contains("last rule must match all URLs", ex.Message);
    }

    [Fact]
    public void A_catch_all_before_the_end_is_refused()
    {
        var ex = Assert.Throws<IngressException>(() => IngressRuleSet.Validate([
            new(null, null, "http://localhost:1"), new(null, null, "http_status:404")]));
        Assert.Contains("rule #1", ex.Message);
    }

    [Theory]
    [InlineData("ftp://localhost:21", "not a supported service")]
    [InlineData("http_status:999", "status code from 100 to 599")]
    [InlineData("unix:relative.sock", "absolute socket path")]
    [InlineData("http://localhost:3000/app", "has a path")]
    [InlineData("", "service is missing")]
    public void Bad_services_are_named_in_the_error(string service, string expected)
    {
        var ex = Assert.Throws<IngressException>(() => IngressRuleSet.Validate([new("a.example.com", null, service), new(null, null, "http_status:404")]));
        Assert.Contains("rule #1", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("a.*.example.com")]
    [InlineData("https://a.example.com")]
    public void Bad_hostnames_are_refused(string hostname)
    {
        var ex = Assert.Throws<IngressException>(() => IngressRuleSet.Validate([new(hostname, null, "http://localhost:1"), new(null, null, "http_status:404")]));
        Assert.Contains("rule #1", ex.Message);
    }

    [Fact]
    public void A_bad_path_regex_is_refused()
    {
        var ex = Assert.Throws<IngressException>(() => IngressRuleSet.Validate([new("a.example.com", "([", "http://localhost:1"), new(null, null, "http_status:404")]));
        Assert.Contains("not a valid regular expression", ex.Message);
    }

    [Fact]
    public void The_edge_may_only_name_services_of_the_rules()
    {
        var rules = IngressRuleSet.SingleService(Parse("http://localhost:3000"));
        Assert.NotNull(rules.FindService("http://localhost:3000"));
        Assert.Null(rules.FindService("http://169.254.169.254:80"));
    }

    [Fact]
    public void Services_are_canonical()
    {
        Assert.Equal("http://localhost:3000", Parse("http://LOCALHOST:3000/").Text);
        Assert.Equal("https://example.com", Parse("https://example.com").Text);
        Assert.Equal(443, Parse("https://example.com").Port);
        Assert.Equal("ssh://bastion:22", Parse("ssh://bastion").Text);
        Assert.Equal("rdp://desktop:3389", Parse("rdp://desktop").Text);
        Assert.Equal(OriginKind.Tcp, Parse("tcp://db:5432").Kind);
        Assert.Equal(OriginKind.Http, Parse("h2c://grpc:50051").Kind);
        Assert.False(OriginService.TryParse("tcp://db", out _, out var error));
        Assert.Contains("needs a port", error);
    }

    private static OriginService Parse(string text)
    {
        Assert.True(OriginService.TryParse(text, out var service, out var error), error);
        return service!;
    }

    [Fact]
    public void Rules_sharing_a_service_keep_their_own_origin_settings_and_a_stream_finds_its_rule()
    {
        var rules = IngressRuleSet.Validate([
            new("a.example.com", null, "https://localhost:8443", new OriginRequest { NoTlsVerify = true }),
            new("b.example.com", null, "https://localhost:8443", new OriginRequest { OriginServerName = "internal" }),
            new(null, null, "http_status:404"),
        ]);

        Assert.True(rules.FindRule(1, "https://localhost:8443")!.OriginRequest.NoTlsVerify);
        Assert.Equal("internal", rules.FindRule(2, "https://localhost:8443")!.OriginRequest.OriginServerName);
        // A stream naming no rule, or a rule of another service (another connector's rules), falls back to the service.
        Assert.True(rules.FindRule(0, "https://localhost:8443")!.OriginRequest.NoTlsVerify);
        Assert.True(rules.FindRule(3, "https://localhost:8443")!.OriginRequest.NoTlsVerify);
        Assert.Null(rules.FindRule(1, "http://localhost:1"));
    }

    [Theory]
    [InlineData("app.example.com", "app.example.com", true)]
    [InlineData("APP.example.com", "app.example.com", true)]
    [InlineData("apq.example.com", "app.example.com", false)]
    [InlineData("a.dev.example.com", "*.dev.example.com", true)]
    [InlineData("*.dev.example.com", "a.dev.example.com", true)]
    [InlineData("dev.example.com", "*.dev.example.com", false)]
    [InlineData("", "app.example.com", true)]
    [InlineData("*", "app.example.com", true)]
    public void A_rule_hostname_no_route_covers_is_warned_about(string rule, string routed, bool covered)
    {
        var warnings = RuleCoverage.UnroutedRules([rule], [routed], "web");
        Assert.Equal(covered, warnings.Count == 0);
        if (!covered)
        {
            Assert.Contains($"ingress rule #1: hostname {rule} is not routed to tunnel web", warnings[0]);
            Assert.Contains($"tunnel route dns web {rule}", warnings[0]);
        }
    }
}
