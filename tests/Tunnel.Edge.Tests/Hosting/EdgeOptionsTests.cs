namespace Tunnel.Edge.Tests.Hosting;

/// <summary>Defaults an operator relies on without setting them.</summary>
public sealed class EdgeOptionsTests
{
    [Fact]
    public void The_management_port_listens_on_this_machine_only_unless_set()
    {
        var options = new EdgeOptions();
        Assert.Equal("127.0.0.1", options.ManagementBindAddress);
        Assert.Equal("0.0.0.0", options.BindAddress); // public and connector listeners: every interface
    }

    [Fact]
    public void Public_clients_are_bounded_below_what_one_connector_connection_carries()
    {
        var options = new EdgeOptions();
        Assert.True(options.MaxConcurrentRequestsPerConnection <= options.MaxConcurrentRequestsPerClientIp);
        Assert.True(options.MaxConcurrentRequestsPerClientIp < options.MaxConcurrentRequestsPerHostname);
        Assert.True(options.MaxConcurrentRequestsPerClientIp < 1000); // Kestrel's HTTP/2 streams per connector connection
    }

    [Theory]
    [InlineData("/.tunnel/troubleshooting", true)]
    [InlineData("https://wiki.example.com/edge-errors", true)]
    [InlineData("http://intranet/guide.html", true)]
    [InlineData("//evil.example.com/guide", false)] // scheme-relative: another site on the edge's own pages
    [InlineData("/\\evil.example.com", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("guide.html", false)]
    [InlineData("/guide#section", false)] // the code is the fragment
    public void The_troubleshooting_link_is_a_path_on_the_edge_or_an_absolute_http_url(string url, bool valid)
    {
        Assert.Equal(EdgeOptions.DefaultTroubleshootingUrl, new EdgeOptions().TroubleshootingUrl);
        var options = new EdgeOptions { TroubleshootingUrl = url };
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.Equal(valid, System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true));
    }

    [Theory]
    [InlineData("https://edge-0.peers.example.com:7846", true)]
    [InlineData("http://edge-0.peers.example.com:7846", false)] // other edges dial peers over TLS only
    [InlineData("ftp://edge-0.peers.example.com", false)]
    public void Peer_and_connector_addresses_are_https(string url, bool valid)
    {
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        foreach (var options in new[] { new EdgeOptions { PeerUrl = url }, new EdgeOptions { ConnectorUrl = url } })
        {
            Assert.Equal(valid, System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true));
        }
    }
}
