namespace Tunnel.ControlPlane.Model;

/// <summary>A service token for machines reaching Access applications: a client id and a secret kept only as a hash.</summary>
public sealed class ServiceTokenEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string ClientId { get; set; }
    public required byte[] SecretHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
