namespace Tunnel.Edge.Routing;

/// <summary>Keys of the metadata the edge puts on its YARP routes and clusters.</summary>
public static class TunnelRouteMetadata
{
    public const string TunnelId = "tunnel.id";
    public const string Service = "tunnel.service";
    public const string PathRegex = "tunnel.path";
    public const string Status = "tunnel.status";
}
