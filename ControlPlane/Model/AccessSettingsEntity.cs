namespace Tunnel.ControlPlane.Model;

/// <summary>
/// The one row of Access settings: the auth hostname where edges run the login, the identity provider, and the keys
/// that sign identity tokens and protect the edges' login state. Secrets here are encrypted with the control plane's data-protection keys, since edges
/// need them in clear.
/// </summary>
public sealed class AccessSettingsEntity
{
    public int Id { get; set; } = 1;
    public string? AuthHostname { get; set; }
    public string? Authority { get; set; }
    public string? ClientId { get; set; }
    public string? ProtectedClientSecret { get; set; }
    public string Scopes { get; set; } = "openid profile email";
    public string GroupClaim { get; set; } = "groups";
    /// <summary>JSON list of {kid, createdAt, protectedPem}: the newest signs, the previous one still verifies.</summary>
    public string SigningKeysJson { get; set; } = "[]";
    /// <summary>
    /// JSON list of {id, createdAt, activatesAt, expiresAt, protectedXml}: the data-protection key ring every edge
    /// shares for login state (<see cref="Access.EdgeSessionKeys"/>).
    /// </summary>
    public string SessionKeysJson { get; set; } = "[]";
    /// <summary>JSON map of lower-case email → time: that person's sessions issued before it no longer work.</summary>
    public string RevokedSessionsJson { get; set; } = "{}";
}
