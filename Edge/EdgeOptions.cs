using System.ComponentModel.DataAnnotations;

namespace Tunnel.Edge;

public sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>Names this edge in connection reports; the machine name when not set.</summary>
    public string Id { get; set; } = Environment.MachineName;

    /// <summary>Where the cached config snapshot and the development certificate live.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data/edge";

    /// <summary>Address the public and connector listeners bind to.</summary>
    [Required]
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Address of the management listener (metrics name every routed hostname): this machine only unless set.</summary>
    [Required]
    public string ManagementBindAddress { get; set; } = "127.0.0.1";

    /// <summary>Public HTTPS port; 0 turns it off.</summary>
    [Range(0, 65535)]
    public int PublicHttpsPort { get; set; } = 8443;

    /// <summary>Public plain-HTTP port (behind a TLS-terminating load balancer, or for measurement); 0 turns it off.</summary>
    [Range(0, 65535)]
    public int PublicHttpPort { get; set; }

    /// <summary>TLS HTTP/2 port that connectors dial.</summary>
    [Range(1, 65535)]
    public int ConnectorPort { get; set; } = 7844;

    /// <summary>TLS HTTP/2 port where peer edges open tunnel streams through this one (edge-to-edge only); listened on only with a <see cref="PeerUrl"/>.</summary>
    [Range(0, 65535)]
    public int PeerPort { get; set; } = 7846;

    /// <summary>Whether this edge takes peer calls: a peer port and the address other edges reach it at.</summary>
    public bool Peering => PeerPort > 0 && !string.IsNullOrEmpty(PeerUrl);

    /// <summary>
    /// How other edges reach this one's peer port (https://HOST:PORT; in Kubernetes the pod's own address). Not set:
    /// this edge takes no peer calls, so tunnels whose connectors are only here are served only here.
    /// </summary>
    [Url]
    [RegularExpression(@"^https://\S+$", ErrorMessage = "Edge:PeerUrl must be an https:// address: other edges reach peers over TLS only.")]
    public string? PeerUrl { get; set; }

    /// <summary>CA (or certificate) PEM that peer edges' certificates chain to; the development CA when the edge uses it, else system trust.</summary>
    public string? PeerCa { get; set; }

    /// <summary>
    /// This edge's own connector address (https://HOST:PORT), told to connectors so they spread their connections
    /// over edges; not set where connectors reach the edges only through one load-balanced address.
    /// </summary>
    [Url]
    [RegularExpression(@"^https://\S+$", ErrorMessage = "Edge:ConnectorUrl must be an https:// address: connectors dial edges over TLS only, and ignore any other.")]
    public string? ConnectorUrl { get; set; }

    /// <summary>Plain-HTTP port for /healthz, /readyz and /metrics, kept apart from the public hostnames' paths.</summary>
    [Range(1, 65535)]
    public int ManagementPort { get; set; } = 7845;

    /// <summary>PEM certificate/key pairs; the SNI name picks one. The development certificate when empty.</summary>
    public List<CertificateFiles> Certificates { get; set; } = [];

    /// <summary>Certificates this edge obtains itself from an ACME CA for every routed hostname; configured PEM pairs win.</summary>
    public AcmeOptions Acme { get; set; } = new();

    [Required, Url]
    public string ControlPlaneUrl { get; set; } = "https://127.0.0.1:7800";

    /// <summary>The control plane's ControlPlane:EdgeKey.</summary>
    public string? ControlPlaneKey { get; set; }

    /// <summary>CA (or self-signed certificate) PEM that the control plane's certificate chains to; system trust when not set.</summary>
    public string? ControlPlaneCa { get; set; }

    /// <summary>How long a request may see no data from the origin, and an upgraded connection (WebSocket) no data either way, before the edge gives up.</summary>
    public TimeSpan OriginIdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Largest total size of a request's headers, in bytes; larger ones get a 431 page.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxRequestHeaderBytes { get; set; } = 32 * 1024;

    /// <summary>Largest request body the edge accepts, in bytes; unlimited when not set (uploads stream through).</summary>
    public long? MaxRequestBodyBytes { get; set; }

    /// <summary>Requests a client address may make per minute to one hostname; unlimited when not set. 429 beyond it.</summary>
    public int? RequestsPerMinutePerClientIp { get; set; }

    /// <summary>Requests per minute to one hostname from everyone together; unlimited when not set.</summary>
    public int? RequestsPerMinutePerHostname { get; set; }

    /// <summary>Requests one public connection may have in flight at once (HTTP/2 streams); 429 beyond it.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrentRequestsPerConnection { get; set; } = 100;

    /// <summary>Requests one client address may have in flight at once to one hostname; 429 beyond it.</summary>
    [Range(1, 1_000_000)]
    public int MaxConcurrentRequestsPerClientIp { get; set; } = 256;

    /// <summary>Requests in flight at once to one hostname from everyone together; 503 beyond it.</summary>
    [Range(1, 1_000_000)]
    public int MaxConcurrentRequestsPerHostname { get; set; } = 2048;

    /// <summary>Slowest request body a public client may send, in bytes per second after a 5 s grace (slow-body attacks).</summary>
    [Range(1, 1_000_000)]
    public int MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>Limits for particular hostnames (Edge:Hostnames:app.example.com:MaxRequestBodyBytes=…), over the ones above.</summary>
    public Dictionary<string, HostnameLimits> Hostnames { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Connections one tunnel may hold on this edge (its connectors' HA connections together: 25 replicas of 4); more
    /// are refused, so one tunnel's token cannot grow this edge's report to the control plane without bound.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConnectionsPerTunnel { get; set; } = 100;

    /// <summary>How long a request waits for a parked data stream of a connector before failing.</summary>
    public TimeSpan StreamWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a connector has to dial the origin and answer.</summary>
    public TimeSpan OriginOpenTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The troubleshooting guide error pages link to, as URL#code (docs/troubleshooting.md has a section per code).
    /// By default the guide this edge serves itself on the same hostname; set an absolute http(s) URL to give your
    /// users your own advice.
    /// </summary>
    [Required]
    [RegularExpression(@"^(/(?![/\\])[^\s#]*|https?://[^\s#]+)$",
        ErrorMessage = "Edge:TroubleshootingUrl must be a path on the edge (/…) or an absolute http(s) URL, without #.")]
    public string TroubleshootingUrl { get; set; } = DefaultTroubleshootingUrl;

    /// <summary>Relative, so the link stays on the hostname the error was served for.</summary>
    public const string DefaultTroubleshootingUrl = Routing.TroubleshootingGuide.Path;
}

public sealed class CertificateFiles
{
    [Required]
    public string CertificatePath { get; set; } = "";

    [Required]
    public string KeyPath { get; set; } = "";
}

/// <summary>Per-hostname overrides of the edge's request limits; unset fields keep the edge-wide value.</summary>
public sealed class HostnameLimits
{
    public int? MaxRequestHeaderBytes { get; set; }
    public long? MaxRequestBodyBytes { get; set; }
    public int? RequestsPerMinutePerClientIp { get; set; }
    public int? RequestsPerMinutePerHostname { get; set; }
}

/// <summary>Edge:Acme: where to get certificates (RFC 8555). Off unless a directory is set.</summary>
public sealed class AcmeOptions
{
    /// <summary>The CA's directory, e.g. https://acme-v02.api.letsencrypt.org/directory; not set: no ACME.</summary>
    public string? DirectoryUrl { get; set; }

    /// <summary>The account's contact address (the CA writes about expiring certificates there).</summary>
    public string? Email { get; set; }

    /// <summary>CA (or certificate) PEM the directory's own TLS certificate chains to; system trust when not set (a test CA such as Pebble needs it).</summary>
    public string? DirectoryCa { get; set; }

    /// <summary>Failed orders a name may have in a row before it waits a day (a broken DNS record must not burn the CA's rate limits).</summary>
    [Range(1, 100)]
    public int FailureBudget { get; set; } = 3;

    /// <summary>
    /// How names are proven: "http-01" (the public HTTP port; the default when there is one) or "tls-alpn-01" (the public
    /// HTTPS port). Wildcard routes and the quick-tunnel domain always use DNS-01 (Edge:Acme:Dns).
    /// </summary>
    [RegularExpression("^(http-01|tls-alpn-01)$")]
    public string? Challenge { get; set; }

    /// <summary>External account binding, for CAs that require one: the key id and the base64url HMAC key the CA gave.</summary>
    public string? EabKeyId { get; set; }
    public string? EabHmacKey { get; set; }

    /// <summary>DNS-01 through RFC 2136 dynamic updates signed with TSIG: for wildcard routes and the quick-tunnel domain.</summary>
    public AcmeDnsOptions Dns { get; set; } = new();
}

public sealed class AcmeDnsOptions
{
    /// <summary>The authoritative server that takes updates, host:port (e.g. 127.0.0.1:53); not set: no DNS-01, wildcards get no certificate.</summary>
    public string? Server { get; set; }

    /// <summary>The zone to update (e.g. example.com); not set: the nearest enclosing name the server answers an SOA for.</summary>
    public string? Zone { get; set; }

    /// <summary>The TSIG key's name, algorithm (hmac-sha256, hmac-sha512…) and secret (base64), as in the server's key file.</summary>
    public string? TsigKeyName { get; set; }
    public string TsigAlgorithm { get; set; } = "hmac-sha256";
    public string? TsigSecret { get; set; }
}
