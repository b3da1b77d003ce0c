namespace Tunnel.ControlPlane.Model;

/// <summary>A request Access refused at an edge, found by the request id the person was shown. Kept for a week.</summary>
public sealed class AccessDecisionEntity
{
    public long Id { get; set; }
    /// <summary>The edge's request id (unique within an edge; with the edge id, everywhere).</summary>
    public required string RequestId { get; set; }
    public required string EdgeId { get; set; }
    /// <summary>When the control plane received it (within seconds of the refusal).</summary>
    public DateTimeOffset At { get; set; }
    public required string Method { get; set; }
    public required string Host { get; set; }
    public required string Path { get; set; }
    public Guid? ApplicationId { get; set; }
    public required string Application { get; set; }
    public required string ReasonCode { get; set; }
    public string? Email { get; set; }
    /// <summary>The person's groups at login, a JSON array.</summary>
    public string? Groups { get; set; }
    public string? ServiceToken { get; set; }
    public string? ClientIp { get; set; }
    /// <summary>The edge's evaluation (Tunnel.Shared.Access.AccessExplanation), JSON.</summary>
    public required string ExplanationJson { get; set; }
}
