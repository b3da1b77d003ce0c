using Tunnel.Shared.Time;

namespace Tunnel.Connector.Connection;

/// <summary>
/// When this connector's connections registered again (an index that had registered before, with any edge) over the
/// last hour: the edges hear the count, so the dashboard shows reconnects whole even when an edge the connector left
/// is gone.
/// </summary>
public sealed class ReconnectLog(TimeProvider clock)
{
    private readonly LastHourEvents _reconnects = new(clock);
    private readonly HashSet<int> _registered = [];

    public void Registered(int index)
    {
        bool again;
        lock (_registered)
        {
            again = !_registered.Add(index);
        }

        if (again)
        {
            _reconnects.Add();
        }
    }

    public int LastHour => _reconnects.Count;
}
