namespace Tunnel.Connector.Connection;

/// <summary>
/// When this connector's connections registered again (an index that had registered before, with any edge) over the
/// last hour: the edges hear the count, so the dashboard shows reconnects whole even when an edge the connector left
/// is gone.
/// </summary>
public sealed class ReconnectLog(TimeProvider clock)
{
    private readonly Queue<DateTimeOffset> _times = new();
    private readonly HashSet<int> _registered = [];

    public void Registered(int index)
    {
        lock (_times)
        {
            Expire();
            if (!_registered.Add(index) && _times.Count < 10_000) // a reconnect loop: enough to say so
            {
                _times.Enqueue(clock.GetUtcNow());
            }
        }
    }

    public int LastHour
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
