namespace Tunnel.ControlPlane.Model;

/// <summary>A person who signed in to the dashboard; a role set here overrides the one from the OIDC claim.</summary>
public sealed class UserEntity
{
    /// <summary>Lower-case email (or the OIDC subject when the provider sends no email).</summary>
    public required string Login { get; set; }
    public string? Role { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
    /// <summary>The last sign-in; null for someone an admin gave a role before their first.</summary>
    public DateTimeOffset? LastSeenAt { get; set; }
}
