namespace Tunnel.Shared.Time;

/// <summary>
/// When something happened over the last hour (a connection registering, a reconnect): thread-safe, and bounded, since
/// a loop of them only needs to be told apart from a few.
/// </summary>
public sealed class LastHourEvents(TimeProvider clock)
{
    private const int MaxKept = 10_000;
    private readonly Queue<DateTimeOffset> _times = new();

    public void Add()
    {
        lock (_times)
        {
            Expire();
            if (_times.Count < MaxKept)
            {
                _times.Enqueue(clock.GetUtcNow());
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_times)
            {
                Expire();
                return _times.Count;
            }
        }
    }

    private void Expire()
    {
        var hourAgo = clock.GetUtcNow().AddHours(-1);
        while (_times.Count > 0 && _times.Peek() < hourAgo)
        {
            _times.Dequeue();
        }
    }
}
