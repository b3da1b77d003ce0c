namespace Tunnel.ControlPlane.Apis;

public sealed record CreateTunnelRequest(string? Name);

public sealed record RouteHostnameRequest(string? Hostname);

public sealed record TunnelResponse(Guid Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<string> Hostnames, int Connections);

public sealed record CreatedTunnelResponse(Guid Id, string Name, DateTimeOffset CreatedAt, string Token);

public sealed record TokenResponse(Guid TunnelId, string Token);

public sealed record HostnameResponse(string Hostname, Guid TunnelId, string TunnelName, DateTimeOffset CreatedAt);

public sealed record ConnectionResponse(
    string ConnectionId, Guid TunnelId, string ConnectorId, int ConnectionIndex, string EdgeId,
    string Version, string RemoteAddress, DateTimeOffset ConnectedAt, DateTimeOffset LastHeartbeat);
