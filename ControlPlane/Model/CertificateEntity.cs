namespace Tunnel.ControlPlane.Model;

/// <summary>
/// A hostname's ACME certificate, shared by every edge: the chain (PEM), its key (Data Protection, never in clear),
/// the last attempt to obtain or renew it, and the lease of the one edge ordering it now. A row may hold attempts
/// and a lease before any certificate. Times are Unix milliseconds, compared the same way on SQLite and Postgres.
/// </summary>
public sealed class CertificateEntity
{
    /// <summary>The routed name (a wildcard as *.example.com).</summary>
    public required string Name { get; set; }
    public string? CertificatePem { get; set; }
    public string? ProtectedKeyPem { get; set; }
    /// <summary>SHA-256 of the leaf (hex), what edges compare to know they serve the current one; empty: none yet.</summary>
    public string Thumbprint { get; set; } = "";
    public string Issuer { get; set; } = "";
    public long NotBeforeMs { get; set; }
    public long NotAfterMs { get; set; }
    public long IssuedAtMs { get; set; }
    public string IssuedBy { get; set; } = "";
    public long LastAttemptMs { get; set; }
    public string? LastError { get; set; }
    public int FailuresInARow { get; set; }
    /// <summary>No order before this (a failure's backoff, kept across restarts and edges).</summary>
    public long NextAttemptMs { get; set; }
    public string? LeaseHolder { get; set; }
    public long LeaseUntilMs { get; set; }
}
