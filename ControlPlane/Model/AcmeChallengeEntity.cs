namespace Tunnel.ControlPlane.Model;

/// <summary>
/// A pending ACME challenge (http-01 or tls-alpn-01) of the edge that holds the name's lease: it travels to every edge
/// in the config snapshot, so whichever edge the CA reaches answers it. Key authorizations are not secrets.
/// </summary>
public sealed class AcmeChallengeEntity
{
    public required string Token { get; set; }
    public required string Name { get; set; }
    public required string Type { get; set; }
    public required string KeyAuthorization { get; set; }
    public long ExpiresMs { get; set; }
}
