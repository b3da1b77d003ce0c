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

    /// <summary>A quick tunnel (`tunnel quick`): ephemeral, removed when its process stops, dies or its lifetime ends.</summary>
    public bool Quick { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    /// <summary>Who opened it (the caps per address count these).</summary>
    public string? QuickClientAddress { get; set; }
    /// <summary>SHA-256 of the key its process removes it with (shown once, to that process).</summary>
    public byte[]? QuickKeyHash { get; set; }
    /// <summary>When a connection of it was last seen: the grace period runs from here (or from its creation).</summary>
    public DateTimeOffset? QuickLastConnectedAt { get; set; }
    /// <summary>The Access application made for it (--allow-email, --allow-domain), removed with it.</summary>
    public Guid? QuickAccessAppId { get; set; }
}
