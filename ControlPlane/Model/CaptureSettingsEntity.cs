namespace Tunnel.ControlPlane.Model;

/// <summary>A tunnel's traffic-inspector capture: whether it is on, for which hostnames, its limits and redactions. No row: off.</summary>
public sealed class CaptureSettingsEntity
{
    public Guid TunnelId { get; set; }
    public bool Enabled { get; set; }
    /// <summary>Routed hostnames captured, comma-separated; empty: all of the tunnel's.</summary>
    public string Hostnames { get; set; } = "";
    public long BodyLimitBytes { get; set; }
    public int MaxRequests { get; set; }
    public int RetentionHours { get; set; }
    /// <summary>Everything stored as sent (no masking at the edge): an admin's choice, audited.</summary>
    public bool Full { get; set; }
    /// <summary>More header names and JSON/form field names to mask, comma-separated.</summary>
    public string RedactHeaders { get; set; } = "";
    public string RedactFields { get; set; } = "";
    /// <summary>Captures the edges dropped (queue full) since capture was last turned on.</summary>
    public long Dropped { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";
}
