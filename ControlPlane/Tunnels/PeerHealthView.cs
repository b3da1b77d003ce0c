namespace Tunnel.ControlPlane.Tunnels;

/// <summary>How one edge's calls to a peer edge went lately, as the API and dashboard show it.</summary>
public sealed record PeerHealthView(string EdgeId, bool Ok, string? LastError, long StreamsOpened, long StreamsFailed, DateTimeOffset? LastFailure);
