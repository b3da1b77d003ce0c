namespace Tunnel.Edge.Routing;

/// <summary>The tunnel has no connector that can take the request: answered with 503.</summary>
public sealed class TunnelUnavailableException(string message) : Exception(message);

/// <summary>The connector could not reach the origin; the message is the connector's reason: answered with 502.</summary>
public sealed class OriginUnreachableException(string message) : Exception(message);
