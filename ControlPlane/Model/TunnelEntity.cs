namespace Tunnel.ControlPlane.Model;

public sealed class TunnelEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    /// <summary>SHA-256 of the current secret. The secret itself is derived on demand and never stored.</summary>
    public required byte[] SecretHash { get; set; }
    /// <summary>Bumped on rotation; part of the secret derivation.</summary>
    public int SecretGeneration { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>
    /// Ingress rules managed here (JSON list), pushed to the tunnel's connectors; null when the connector brings its own
    /// (--url or config.yml), as a locally-managed cloudflared tunnel does.
    /// </summary>
    public string? IngressJson { get; set; }
    public List<HostnameEntity> Hostnames { get; set; } = [];
}
