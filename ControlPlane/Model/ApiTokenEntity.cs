namespace Tunnel.ControlPlane.Model;

/// <summary>An API token for automation. Only its SHA-256 is stored; the token is shown once, when created.</summary>
public sealed class ApiTokenEntity
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Role { get; set; }
    public required byte[] TokenHash { get; set; }
    /// <summary>The first characters of the token, so people can tell their tokens apart without the secret.</summary>
    public required string Prefix { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
