using System.Collections.Concurrent;

namespace Tunnel.Edge.Access;

/// <summary>
/// Remembers ids of short-lived things that may be used once (hand-off tokens, command-line login codes) until they
/// expire, so a second use is refused. Per edge: a hand-off is used on the edge that redirected to it.
/// </summary>
public sealed class OneTimeUse(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);
    private long _nextSweep;

    /// <summary>True the first time an id is presented before it expires; false ever after.</summary>
    public bool TryUse(string id, DateTimeOffset expires)
    {
        var now = clock.GetUtcNow();
        Sweep(now);
        return expires > now && _used.TryAdd(id, expires);
    }

    private void Sweep(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweep, now.AddMinutes(1).UtcTicks, next) != next)
        {
            return;
        }

        foreach (var (id, expires) in _used)
        {
            if (expires <= now)
            {
                _used.TryRemove(id, out _);
            }
        }
    }
}
