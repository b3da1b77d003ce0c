namespace Tunnel.Connector.Supervisor;

/// <summary>The edge cannot be used as configured and retrying will not change that (an untrusted certificate): the connector exits.</summary>
public sealed class EdgeUnusableException(string message) : Exception(message);
