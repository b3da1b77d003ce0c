namespace Tunnel.ControlPlane.Model;

/// <summary>A public hostname routed to one tunnel. Names are unique across all tunnels.</summary>
public sealed class HostnameEntity
{
    public required string Name { get; set; }
    public Guid TunnelId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
