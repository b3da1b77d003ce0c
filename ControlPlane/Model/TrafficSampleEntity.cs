namespace Tunnel.ControlPlane.Model;

/// <summary>
/// One edge's counts for one routed hostname over one report period (5 s), kept a day. Time is in Unix seconds: a
/// plain integer both stores compare in SQL (SQLite cannot compare DateTimeOffset columns).
/// </summary>
public sealed class TrafficSampleEntity
{
    public long Id { get; set; }
    public Guid TunnelId { get; set; }
    public required string Hostname { get; set; }
    public required string EdgeId { get; set; }
    /// <summary>The edge's id of the report it came in: a resent report is stored once.</summary>
    public required string ReportId { get; set; }
    /// <summary>When the control plane received it, Unix seconds.</summary>
    public long At { get; set; }
    public long Requests { get; set; }
    public long Status4xx { get; set; }
    public long Status5xx { get; set; }
    public long NoConnector { get; set; }
    public long OriginUnreachable { get; set; }
    public long AccessRefused { get; set; }
    public long OtherEdge { get; set; }
    public long BytesIn { get; set; }
    public long BytesOut { get; set; }
    /// <summary>Counts per bucket of Tunnel.Shared.Traffic.LatencyBuckets, comma-separated.</summary>
    public required string Latency { get; set; }
}
