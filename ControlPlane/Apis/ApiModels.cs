namespace Tunnel.ControlPlane.Apis;

/// <summary>One page of a list; pass <paramref name="Next"/> back as `after` for the following page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

public sealed record CreateTunnelRequest(string? Name);

public sealed record UpdateTunnelRequest(string? Name);

public sealed record RouteHostnameRequest(string? Hostname);

public sealed record TunnelResponse(
    Guid Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<string> Hostnames, int Connections, string Status,
    IReadOnlyList<string> ConnectorVersions, bool RemotelyManaged, Tunnels.IngressRollout Ingress, bool Quick = false, DateTimeOffset? ExpiresAt = null);

public sealed record CreatedTunnelResponse(Guid Id, string Name, DateTimeOffset CreatedAt, string Token);

public sealed record TokenResponse(Guid TunnelId, string Token);

public sealed record HostnameResponse(string Hostname, Guid TunnelId, string TunnelName, DateTimeOffset CreatedAt);

public sealed record ConnectionResponse(
    string ConnectionId, Guid TunnelId, string ConnectorId, int ConnectionIndex, string EdgeId,
    string Version, string RemoteAddress, DateTimeOffset ConnectedAt, DateTimeOffset LastHeartbeat,
    string? IngressVersion = null, string? IngressRejectedVersion = null, string? IngressRejectedReason = null);

public sealed record CreateApiTokenRequest(string? Name, string? Role, int? ExpiresInDays);

public sealed record ApiTokenResponse(
    Guid Id, string Name, string Role, string Prefix, string CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

public sealed record CreatedApiTokenResponse(ApiTokenResponse Info, string Token);

/// <summary>LastSeenAt is null for someone given a role who has not signed in yet.</summary>
public sealed record UserResponse(string Login, string? Role, DateTimeOffset FirstSeenAt, DateTimeOffset? LastSeenAt);

public sealed record SetUserRoleRequest(string? Role);

public sealed record AuditEventResponse(
    long Id, DateTimeOffset At, string Actor, string Action, string Target, Guid? TunnelId, string? RemoteAddress, string? Detail);
