using System.ComponentModel.DataAnnotations;

namespace Tunnel.ControlPlane.QuickTunnels;

/// <summary>
/// ControlPlane:QuickTunnels: whether `tunnel quick` may open ephemeral tunnels here, under which domain, for whom and
/// how many. Off unless configured (the local stack turns it on, anonymous, under quick.localhost).
/// </summary>
public sealed class QuickTunnelOptions
{
    public bool Enabled { get; set; }

    /// <summary>
    /// Quick tunnels get a random name under this domain (calm-otter-4821.quick-example.net); route *.domain's DNS to
    /// the edges. Strangers run these servers: use a registrable domain of its own, not a subdomain of the dashboard's
    /// or the Access login's, so their cookies cannot reach those.
    /// </summary>
    [RegularExpression(@"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", ErrorMessage = "ControlPlane:QuickTunnels:Domain must be a DNS name such as quick.example.com")]
    public string Domain { get; set; } = "quick.localhost";

    /// <summary>Anyone who reaches the control plane may open one; otherwise an API token of role `quick` (or admin) is needed.</summary>
    public bool AllowAnonymous { get; set; }

    [Range(1, 10_000)]
    public int MaxPerClientAddress { get; set; } = 3;

    [Range(1, 100_000)]
    public int MaxTotal { get; set; } = 100;

    /// <summary>Quick tunnels one address (IPv6: its /64) or token may ask for per hour: re-opening cannot keep MaxTotal full.</summary>
    [Range(1, 100_000)]
    public int OpensPerHour { get; set; } = 20;

    /// <summary>The longest a quick tunnel lives (and its lifetime when the client asks none).</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a quick tunnel may have no connection (its process died, or never connected) before it is removed.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The public HTTPS port the URL names (443: none in the URL; the local stack's edge listens on 8443).</summary>
    [Range(1, 65535)]
    public int PublicPort { get; set; } = 443;
}
