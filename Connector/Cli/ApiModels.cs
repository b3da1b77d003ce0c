namespace Tunnel.Connector.Cli;

public sealed record TunnelInfo(Guid Id, string Name, DateTimeOffset CreatedAt, List<string> Hostnames, int Connections);

public sealed record CreatedTunnel(Guid Id, string Name, DateTimeOffset CreatedAt, string Token);

public sealed record TokenInfo(Guid TunnelId, string Token);

public sealed record HostnameInfo(string Hostname, Guid TunnelId, string TunnelName, DateTimeOffset CreatedAt);
