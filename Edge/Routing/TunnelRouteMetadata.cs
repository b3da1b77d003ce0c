namespace Tunnel.Edge.Routing;

/// <summary>Keys of the metadata the edge puts on its YARP routes and clusters.</summary>
public static class TunnelRouteMetadata
{
    public const string TunnelId = "tunnel.id";
    /// <summary>The name (or *.wildcard) a route serves, matched by TunnelHostMatcherPolicy rather than YARP's Hosts.</summary>
    public const string Host = "tunnel.host";
    /// <summary>
    /// On routes of a name the tunnel does not own (a connector's narrower rule under the tunnel's wildcard): no route
    /// of it claims every path, so the tunnel's wildcards over it follow (TunnelHostMatcherPolicy).
    /// </summary>
    public const string DerivedHost = "tunnel.derived";
    public const string Service = "tunnel.service";
    public const string PathRegex = "tunnel.path";
    public const string Status = "tunnel.status";
    /// <summary>On routes of a tunnel with no connector online: the tunnel's name, for the 503 page.</summary>
    public const string Offline = "tunnel.offline";
    /// <summary>The ingress version the route was built from: streams are taken only from connections serving it.</summary>
    public const string IngressVersion = "tunnel.ingress";
    /// <summary>1-based index of the ingress rule a route or cluster was built from (the connector's originRequest follows it).</summary>
    public const string Rule = "tunnel.rule";
    /// <summary>
    /// On the last route of each of a tunnel's names: no rule matched. It claims the name, so a wildcard route of
    /// another tunnel never takes a name routed exactly to this one, whatever its rules say (or do not).
    /// </summary>
    public const string NoRule = "tunnel.no-rule";
    /// <summary>On routes of a tunnel whose connectors serve no rule: why they refused the control plane's rules.</summary>
    public const string IngressRefused = "tunnel.ingress-refused";
    /// <summary>On routes of tcp://, ssh:// and rdp:// rules: the service that `tunnel access` clients reach over a WebSocket.</summary>
    public const string TcpService = "tunnel.tcp";

    public static bool IsTcpService(string service) =>
        service.StartsWith("tcp://", StringComparison.Ordinal) || service.StartsWith("ssh://", StringComparison.Ordinal)
        || service.StartsWith("rdp://", StringComparison.Ordinal);
}
