using System.Collections.Concurrent;

namespace Tunnel.Connector.Connection;

/// <summary>
/// The connector's streams to origins, with when each last carried a byte, so a stopping connector can let them
/// finish: it stops taking new ones, waits for the busy ones, and closes the idle ones (kept-alive connections the
/// edge would otherwise reuse).
/// </summary>
public sealed class StreamActivity
{
    private readonly ConcurrentDictionary<long, Entry> _streams = new();
    private long _next;

    /// <summary>Set once the connector is stopping: no new Data calls are parked.</summary>
    public bool Draining { get; private set; }

    public int Active => _streams.Count;

    public Entry Begin(CancellationTokenSource close)
    {
        var entry = new Entry(Interlocked.Increment(ref _next), close);
        _streams[entry.Id] = entry;
        return entry;
    }

    public void End(Entry entry) => _streams.TryRemove(entry.Id, out _);

    /// <summary>Waits until no stream is busy (each idle for <paramref name="quiet"/>, then closed) or the grace period ends.</summary>
    public async Task DrainAsync(TimeSpan quiet, TimeSpan grace, CancellationToken cancellationToken)
    {
        Draining = true;
        var deadline = DateTime.UtcNow + grace;
        // Done only when no stream is left twice in a row a moment apart: an Open the edge sent just before it read
        // our Unregister may still be on its way.
        var emptyChecks = 0;
        while (emptyChecks < 2 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            emptyChecks = _streams.IsEmpty ? emptyChecks + 1 : 0;
            var now = Environment.TickCount64;
            foreach (var entry in _streams.Values.Where(e => !e.Writing && now - e.LastActivity >= quiet.TotalMilliseconds))
            {
                entry.Close.Cancel();
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public sealed class Entry(long id, CancellationTokenSource close)
    {
        private long _lastActivity = Environment.TickCount64;

        public long Id { get; } = id;
        public CancellationTokenSource Close { get; } = close;
        public long LastActivity => Volatile.Read(ref _lastActivity);

        private int _writes;

        /// <summary>A write waiting on the other side's flow control is traffic, however long it waits.</summary>
        public bool Writing => Volatile.Read(ref _writes) > 0;

        public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

        /// <summary>A write (per frame: no extra allocation) that counts as traffic while it lasts.</summary>
        public async ValueTask WriteAsync(Func<ValueTask> write)
        {
            Busy(+1);
            try
            {
                await write();
            }
            finally
            {
                Busy(-1);
            }
        }

        /// <summary>Dialing the origin counts as traffic too, however long it takes.</summary>
        public async Task<T> BusyAsync<T>(Func<Task<T>> work)
        {
            Busy(+1);
            try
            {
                return await work();
            }
            finally
            {
                Busy(-1);
            }
        }

        private void Busy(int delta)
        {
            Touch();
            Interlocked.Add(ref _writes, delta);
        }
    }
}
