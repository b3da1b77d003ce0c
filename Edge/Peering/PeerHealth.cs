using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;

namespace Tunnel.Edge.Peering;

/// <summary>
/// How this edge's calls to each peer went: a peer that failed lately is tried after the others, and the control
/// plane (hence `tunnel info` and the dashboard) hears of it in the connection report.
/// </summary>
public sealed class PeerHealth(TimeProvider clock)
{
    /// <summary>A peer that failed within this long is tried last.</summary>
    private static readonly TimeSpan Penalty = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, State> _peers = new(StringComparer.Ordinal);

    private sealed class State
    {
        public long Opened;
        public long Failed;
        public string? LastError;
        public DateTimeOffset? LastFailure;
        public DateTimeOffset? LastSuccess;
    }

    public void Succeeded(string edgeId)
    {
        var state = _peers.GetOrAdd(edgeId, _ => new State());
        Interlocked.Increment(ref state.Opened);
        state.LastSuccess = clock.GetUtcNow();
    }

    public void Failed(string edgeId, string error)
    {
        var state = _peers.GetOrAdd(edgeId, _ => new State());
        Interlocked.Increment(ref state.Failed);
        state.LastError = error;
        state.LastFailure = clock.GetUtcNow();
    }

    /// <summary>Not failed lately, or succeeded since its last failure.</summary>
    public bool IsHealthy(string edgeId) =>
        !_peers.TryGetValue(edgeId, out var s) || s.LastFailure is not { } failed
        || clock.GetUtcNow() - failed > Penalty || s.LastSuccess > failed;

    public IEnumerable<Shared.Protocol.PeerHealth> Report() => _peers.Select(p => new Shared.Protocol.PeerHealth
    {
        EdgeId = p.Key,
        Ok = IsHealthy(p.Key),
        LastError = p.Value.LastError ?? "",
        StreamsOpened = Interlocked.Read(ref p.Value.Opened),
        StreamsFailed = Interlocked.Read(ref p.Value.Failed),
        LastFailure = p.Value.LastFailure is { } at ? Timestamp.FromDateTimeOffset(at) : null,
    });
}
