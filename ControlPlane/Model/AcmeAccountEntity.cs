namespace Tunnel.ControlPlane.Model;

/// <summary>The ACME account every edge orders with, one per CA directory: its key (Data Protection), made by the first edge.</summary>
public sealed class AcmeAccountEntity
{
    public required string DirectoryUrl { get; set; }
    public required string ProtectedKeyPem { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
