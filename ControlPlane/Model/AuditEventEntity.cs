namespace Tunnel.ControlPlane.Model;

/// <summary>Who did what, when, from where. Never holds a secret.</summary>
public sealed class AuditEventEntity
{
    /// <summary>Increasing: the order of events and the cursor of audit pages.</summary>
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>"user:alice@example.com", "token:ci-deploy" or "bootstrap".</summary>
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public required string Target { get; set; }
    public Guid? TunnelId { get; set; }
    public string? RemoteAddress { get; set; }
    public string? Detail { get; set; }
}
