namespace Tunnel.ControlPlane.Model;

/// <summary>One live connector connection, as last reported by the edge that holds it.</summary>
public sealed class ConnectionEntity
{
    public required string ConnectionId { get; set; }
    public Guid TunnelId { get; set; }
    public required string ConnectorId { get; set; }
    public int ConnectionIndex { get; set; }
    public required string EdgeId { get; set; }
    public required string Version { get; set; }
    public required string RemoteAddress { get; set; }
    public DateTimeOffset ConnectedAt { get; set; }
    public DateTimeOffset LastHeartbeat { get; set; }
    /// <summary>The ingress version the connection serves (a content hash, or "local"); null from older edges.</summary>
    public string? IngressVersion { get; set; }
    /// <summary>The last ingress version its connector refused, and why.</summary>
    public string? IngressRejectedVersion { get; set; }
    public string? IngressRejectedReason { get; set; }
    /// <summary>The connector's own ingress rules (protobuf JSON list) when it serves "local" ones; other edges route by them.</summary>
    public string? LocalIngressJson { get; set; }
    /// <summary>Its connector is stopping: no new streams, the ones in flight finish. Not counted as serving.</summary>
    public bool Draining { get; set; }
    /// <summary>Connections its connector registered at this edge in the last hour, this one included.</summary>
    public int RegistrationsLastHour { get; set; }
    /// <summary>The connector's own count of its reconnects in the last hour, with any edge; null: it does not say (older connectors).</summary>
    public int? ConnectorReconnectsLastHour { get; set; }
    /// <summary>When the edge last reported it; rows of an edge that stopped reporting are stale.</summary>
    public DateTimeOffset ReportedAt { get; set; }
}
