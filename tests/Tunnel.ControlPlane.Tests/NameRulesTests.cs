using Tunnel.ControlPlane.Tunnels;

namespace Tunnel.ControlPlane.Tests;

public class NameRulesTests
{
    [Theory]
    [InlineData("App.Example.COM.", "app.example.com")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("demo.localhost", "demo.localhost")]
    [InlineData("*.Dev.Example.com", "*.dev.example.com")]
    public void Hostnames_are_normalized(string input, string expected)
    {
        Assert.True(NameRules.TryNormalizeHostname(input, out var normalized, out var error), error);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("-bad.example.com")]
    [InlineData("a..example.com")]
    [InlineData("*.com")]
    [InlineData("a.*.example.com")]
    [InlineData("*")]
    [InlineData("exa mple.com")]
    [InlineData("x.example.com/path")]
    [InlineData("")]
    public void Invalid_hostnames_are_refused_with_a_reason(string input)
    {
        Assert.False(NameRules.TryNormalizeHostname(input, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Overlong_hostnames_are_refused()
    {
        var label = new string('a', 63);
        Assert.False(NameRules.TryNormalizeHostname(string.Join('.', label, label, label, label, "com"), out _, out _));
        Assert.False(NameRules.TryNormalizeHostname(new string('a', 64) + ".com", out _, out _));
    }

    [Theory]
    [InlineData("my-tunnel", true)]
    [InlineData("prod.web_1", true)]
    [InlineData("-x", false)]
    [InlineData("a b", false)]
    [InlineData("'; DROP TABLE tunnels; --", false)]
    public void Tunnel_names(string name, bool valid) => Assert.Equal(valid, NameRules.TunnelNameError(name) is null);
}
