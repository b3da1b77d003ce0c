namespace Tunnel.ControlPlane.Model;

/// <summary>An edge of the cluster as it last reported itself: how peers and connectors reach it, how its peer calls go.</summary>
public sealed class EdgeEntity
{
    public required string EdgeId { get; set; }
    /// <summary>Edge:PeerUrl; null when the edge takes no peer calls.</summary>
    public string? PeerUrl { get; set; }
    /// <summary>Edge:ConnectorUrl; null when connectors reach it only through a shared address.</summary>
    public string? ConnectorUrl { get; set; }
    /// <summary>Its calls to each peer lately (JSON list of <see cref="Tunnels.PeerHealthView"/>).</summary>
    public string PeerHealthJson { get; set; } = "[]";
    public DateTimeOffset ReportedAt { get; set; }
}
