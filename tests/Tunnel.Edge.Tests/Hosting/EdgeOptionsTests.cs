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
}
