using System.Collections.Concurrent;

namespace Tunnel.Connector.Connection;

/// <summary>
/// The connector's streams to origins and what each is doing, so a stopping connector can let them finish: it stops
/// taking new ones, waits for the busy ones, and ends the others between two requests with a clean end-of-stream.
/// <para>
/// The edge's HTTP client treats end-of-stream before any response byte on a kept-alive connection as "the server
/// closed an idle connection" and sends a body-less request again on another connection, so ending a stream is safe
/// exactly when no request is on its way to the origin. A stream is therefore ended (never reset) when it is quiet
/// and no request awaits its response, or, on HTTP streams, when a new GET/HEAD/OPTIONS starts on it: that request is
/// not delivered, and the edge resends it to a replica that is not stopping.
/// </para>
/// </summary>
public sealed class StreamActivity
{
    /// <summary>A stream silent this long, with no request awaiting its response, is an idle kept-alive connection.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<long, Entry> _streams = new();
    private readonly ConcurrentDictionary<object, bool> _movingConnections = new();
    private long _next;

    /// <summary>Set once the connector is stopping: no new Data calls are parked.</summary>
    public bool Draining { get; private set; }

    public int Active => _streams.Count;

    /// <param name="failed">Cancelled to reset the stream (a failure).</param>
    /// <param name="connection">The edge connection the stream runs on, for a drain of that connection alone.</param>
    public Entry Begin(CancellationTokenSource failed, object? connection = null)
    {
        var entry = new Entry(this, Interlocked.Increment(ref _next), failed, connection);
        _streams[entry.Id] = entry;
        return entry;
    }

    public void End(Entry entry)
    {
        _streams.TryRemove(entry.Id, out _);
        entry.Dispose();
    }

    /// <summary>Waits until every stream has ended (idle ones ended after <paramref name="quiet"/>) or the grace period ends.</summary>
    public Task DrainAsync(TimeSpan quiet, TimeSpan grace, CancellationToken cancellationToken)
    {
        Draining = true;
        return EndStreamsAsync(null, quiet, grace, cancellationToken);
    }

    /// <summary>The same for the streams of one connection, which the edge asked to move: the others go on.</summary>
    public async Task DrainConnectionAsync(object connection, TimeSpan quiet, TimeSpan grace, CancellationToken cancellationToken)
    {
        _movingConnections[connection] = true;
        try
        {
            await EndStreamsAsync(connection, quiet, grace, cancellationToken);
        }
        finally
        {
            _movingConnections.TryRemove(connection, out _);
        }
    }

    private bool IsDraining(object? connection) => Draining || (connection is not null && _movingConnections.ContainsKey(connection));

    private async Task EndStreamsAsync(object? connection, TimeSpan quiet, TimeSpan grace, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + grace;
        // Done only when no stream is left twice in a row a moment apart: an Open the edge sent just before it read
        // our Unregister may still be on its way.
        var emptyChecks = 0;
        while (emptyChecks < 2 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            var streams = _streams.Values.Where(e => connection is null || e.Connection == connection).ToList();
            emptyChecks = streams.Count == 0 ? emptyChecks + 1 : 0;
            foreach (var entry in streams)
            {
                entry.TryEndIfIdle(quiet);
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public sealed class Entry : IDisposable
    {
        private readonly StreamActivity _owner;
        private readonly CancellationTokenSource _ending = new();
        private readonly Lock _lock = new();
        private long _lastActivity = Environment.TickCount64;
        private long _clock;          // orders the marks below (milliseconds are too coarse)
        private long _requestMark;    // when bytes last went toward the origin
        private long _responseMark;   // when bytes last came back from it
        private int _busy;
        private bool _ended;

        internal Entry(StreamActivity owner, long id, CancellationTokenSource failed, object? connection)
        {
            _owner = owner;
            Id = id;
            Failed = failed;
            Connection = connection;
            Reading = CancellationTokenSource.CreateLinkedTokenSource(failed.Token, _ending.Token);
        }

        public long Id { get; }
        public CancellationTokenSource Failed { get; }
        public object? Connection { get; }

        /// <summary>The stream carries HTTP/1.1 from the edge's proxy (an http, https or unix origin), so request starts can be recognized.</summary>
        public bool Http { get; set; }

        /// <summary>For reading the origin: cancelled when the stream fails or is being ended cleanly.</summary>
        public CancellationTokenSource Reading { get; }

        /// <summary>The stream is being ended cleanly: send end-of-stream to the edge and deliver nothing more.</summary>
        public bool Ending
        {
            get
            {
                lock (_lock)
                {
                    return _ended;
                }
            }
        }

        /// <summary>Dialing the origin counts as traffic, however long it takes.</summary>
        public async Task<T> BusyAsync<T>(Func<Task<T>> work)
        {
            Start(response: false);
            try
            {
                return await work();
            }
            finally
            {
                Done(response: false);
            }
        }

        /// <summary>
        /// Bytes from the edge for the origin: written, or dropped when the stream is ending (then nothing of a new
        /// request reaches the origin, so the edge may resend it). Returns false once dropped.
        /// </summary>
        public async ValueTask<bool> ToOriginAsync(ReadOnlyMemory<byte> bytes, Func<ValueTask> write)
        {
            bool end;
            lock (_lock)
            {
                if (_ended)
                {
                    return false;
                }

                var betweenRequests = _responseMark > _requestMark;
                end = _ended = _owner.IsDraining(Connection) && Http && betweenRequests && _busy == 0 && StartsRetryableRequest(bytes.Span);
                if (!end)
                {
                    _busy++;
                    _requestMark = ++_clock;
                }
            }

            if (end)
            {
                _ending.Cancel(); // outside the lock: cancelling runs the origin read's callbacks
                return false;
            }

            try
            {
                await write();
            }
            finally
            {
                Done(response: false);
            }

            return true;
        }

        /// <summary>Bytes from the origin for the edge; a write waiting on the edge's flow control is traffic while it waits.</summary>
        public async ValueTask ToEdgeAsync(Func<ValueTask> write)
        {
            Start(response: true);
            try
            {
                await write();
            }
            finally
            {
                Done(response: true);
            }
        }

        /// <summary>Ends the stream cleanly if it is quiet and no request awaits its response (a slow origin is not idle).</summary>
        internal void TryEndIfIdle(TimeSpan quiet)
        {
            lock (_lock)
            {
                var awaitingResponse = _requestMark > _responseMark;
                if (_ended || _busy > 0 || awaitingResponse || Environment.TickCount64 - _lastActivity < quiet.TotalMilliseconds)
                {
                    return;
                }

                _ended = true;
            }

            _ending.Cancel();
        }

        private void Start(bool response)
        {
            lock (_lock)
            {
                _busy++;
                if (response)
                {
                    _responseMark = ++_clock;
                }
            }
        }

        private void Done(bool response)
        {
            lock (_lock)
            {
                _busy--;
                _lastActivity = Environment.TickCount64;
                if (response)
                {
                    _responseMark = ++_clock;
                }
            }
        }

        private static bool StartsRetryableRequest(ReadOnlySpan<byte> bytes) =>
            bytes.StartsWith("GET "u8) || bytes.StartsWith("HEAD "u8) || bytes.StartsWith("OPTIONS "u8);

        public void Dispose()
        {
            Reading.Dispose();
            _ending.Dispose();
        }
    }
}
