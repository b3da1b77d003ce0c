namespace Tunnel.ControlPlane.Model;

/// <summary>An Access application: domains it covers and its ordered policies (JSON, as the API takes them).</summary>
public sealed class AccessApplicationEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string DomainsJson { get; set; }
    public int SessionMinutes { get; set; }
    public required string PoliciesJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
