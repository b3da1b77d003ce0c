using System.Net;
using Tunnel.ControlPlane.QuickTunnels;

namespace Tunnel.ControlPlane.Tests.QuickTunnels;

/// <summary>Whom the quick-tunnel caps count: one host is one owner however it presents its address.</summary>
public class QuickTunnelOwnerTests
{
    [Fact]
    public void An_ipv6_host_counts_by_its_64_and_an_ipv4_one_the_same_however_it_arrives()
    {
        Assert.Equal(QuickTunnelOwner.Of(IPAddress.Parse("2001:db8:1:2:aaaa::1"), null), QuickTunnelOwner.Of(IPAddress.Parse("2001:db8:1:2:ffff::9"), null));
        Assert.NotEqual(QuickTunnelOwner.Of(IPAddress.Parse("2001:db8:1:2::1"), null), QuickTunnelOwner.Of(IPAddress.Parse("2001:db8:1:3::1"), null));
        Assert.Equal("203.0.113.7", QuickTunnelOwner.Of(IPAddress.Parse("::ffff:203.0.113.7"), null));
        Assert.Equal("token:token:ci", QuickTunnelOwner.Of(IPAddress.Loopback, "token:ci"));
    }

    [Theory]
    [InlineData("alice@example.com", true)]
    [InlineData("not an email", false)]
    [InlineData("a@b", false)]
    [InlineData("a@exa mple.com", false)]
    public void Emails_are_checked_before_anything_is_made(string value, bool valid) => Assert.Equal(valid, QuickTunnelOwner.IsEmail(value));

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("*", false)]
    [InlineData("", false)]
    [InlineData("@example.com", false)]
    public void Domains_are_dns_names(string value, bool valid) => Assert.Equal(valid, QuickTunnelOwner.IsDomain(value));

    [Fact]
    public void A_token_owner_is_at_most_as_long_as_the_row_keeps_it_so_counting_compares_like_with_like()
    {
        var longActor = "token:" + new string('n', 120);
        var owner = QuickTunnelOwner.Of(System.Net.IPAddress.Loopback, longActor);
        Assert.True(owner.Length <= QuickTunnelOwner.MaxLength);
        Assert.Equal(owner, QuickTunnelOwner.Of(System.Net.IPAddress.Parse("192.0.2.1"), longActor)); // the same token, from anywhere
        Assert.Equal("token:token:ci", QuickTunnelOwner.Of(null, "token:ci"));
    }
}
