namespace Tunnel.Shared.Protocol;

/// <summary>gRPC metadata keys on connector calls. The secret travels only over TLS.</summary>
public static class TunnelHeaders
{
    public const string TunnelId = "tunnel-id";
    public const string TunnelSecret = "tunnel-secret";
    public const string ConnectionId = "tunnel-connection-id";
    public const string EdgeKey = "authorization";

    /// <summary>Bytes per Data frame: large enough to amortize framing, small enough to interleave streams.</summary>
    public const int MaxFrameBytes = 64 * 1024;
}
