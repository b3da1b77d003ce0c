using System.ComponentModel.DataAnnotations;

namespace Tunnel.ControlPlane;

public sealed class ControlPlaneOptions
{
    public const string Section = "ControlPlane";

    /// <summary>Where the SQLite store, generated keys and the development certificate live.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data/controlplane";

    /// <summary>The edge's connector endpoint, written into tunnel tokens (https://edge.example.com:7844).</summary>
    [Required, Url]
    public string EdgeUrl { get; set; } = "https://localhost:7844";

    /// <summary>Bearer key for the REST API. Generated into the data directory when not set.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>Where people open the dashboard (https://tunnel.example.com), for links the connector prints; the edges' address of the control plane when not set.</summary>
    [Url]
    public string? DashboardUrl { get; set; }

    /// <summary>Bearer key edges present on WatchConfig and ReportConnections. Generated when not set.</summary>
    public string? EdgeKey { get; set; }

    /// <summary>Key that tunnel secrets are derived from. Generated when not set.</summary>
    public string? TokenSigningKey { get; set; }

    /// <summary>PEM certificate and key for HTTPS; the development certificate when not set.</summary>
    public string? CertificatePath { get; set; }
    public string? CertificateKeyPath { get; set; }

    /// <summary>Dashboard sign-in; without it people sign in to the dashboard with an API token.</summary>
    public Auth.OidcLoginOptions Oidc { get; set; } = new();

    /// <summary>Quick tunnels (`tunnel quick`): off unless enabled.</summary>
    public QuickTunnels.QuickTunnelOptions QuickTunnels { get; set; } = new();
}
