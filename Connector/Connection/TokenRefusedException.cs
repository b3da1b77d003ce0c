namespace Tunnel.Connector.Connection;

/// <summary>The edge refused the tunnel token: retrying will not help, so the connector exits.</summary>
public sealed class TokenRefusedException(string message) : Exception(message);
