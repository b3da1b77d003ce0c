using System.Collections.Concurrent;
using System.Collections.Immutable;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Time;

namespace Tunnel.Edge.Connectors;

/// <summary>The connector connections live on this edge, by tunnel, and a signal for each newly parked Data call.</summary>
public sealed class ConnectorRegistry
{
    private readonly ConcurrentDictionary<string, ConnectorConnection> _byId = new();
    private readonly ConcurrentDictionary<string, ConnectorConnection> _draining = new();
    private readonly ConcurrentDictionary<(string Tunnel, string Connector), LastHourEvents> _registrations = new();
    private readonly ConcurrentDictionary<string, TunnelEntry> _byTunnel = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    /// <summary>Raised when a connection comes or goes (routes and reports depend on it).</summary>
    public event Action? Changed;

    public IEnumerable<ConnectorConnection> All => _byId.Values;

    /// <summary>Connections whose connector is stopping: they take no new streams but finish the ones in flight.</summary>
    public IEnumerable<ConnectorConnection> Draining => _draining.Values;

    public ConnectorConnection? Find(string connectionId) => _byId.GetValueOrDefault(connectionId);

    public ImmutableArray<ConnectorConnection> ConnectionsFor(string tunnelId) =>
        _byTunnel.TryGetValue(tunnelId, out var entry) ? entry.Connections : [];


    /// <summary>
    /// A task that completes the next time any connection of the tunnel parks a Data call or goes away, so a
    /// request waiting for a stream re-checks at once instead of waiting out its timeout on a dead connector.
    /// </summary>
    public Task NextParkedAsync(string tunnelId) => Entry(tunnelId).Parked.Task;

    /// <summary>
    /// Adds the connection unless its tunnel holds <paramref name="maxPerTunnel"/> here already: every connection
    /// is a row of this edge's report to the control plane, which must stay within one gRPC message whatever one
    /// tunnel's token holder opens. Decided under the lock, so concurrent registrations cannot overshoot.
    /// </summary>
    public bool TryAdd(ConnectorConnection connection, int maxPerTunnel)
    {
        lock (_lock)
        {
            var entry = Entry(connection.TunnelId);
            if (entry.Connections.Length >= maxPerTunnel)
            {
                return false;
            }

            _byId[connection.Id] = connection;
            entry.Connections = entry.Connections.Add(connection);
        }

        Registered(connection);

        Changed?.Invoke();
        return true;
    }

    /// <summary>The connector is stopping: no new streams on this connection; it stays listed (draining) until it closes.</summary>
    public void Drain(ConnectorConnection connection)
    {
        if (_byId.ContainsKey(connection.Id))
        {
            _draining[connection.Id] = connection;
            Remove(connection, keepDraining: true);
        }
    }

    public void Remove(ConnectorConnection connection) => Remove(connection, keepDraining: false);

    private void Remove(ConnectorConnection connection, bool keepDraining)
    {
        var wasDraining = !keepDraining && _draining.TryRemove(connection.Id, out _);
        if (!_byId.TryRemove(connection.Id, out _))
        {
            if (wasDraining)
            {
                Changed?.Invoke();
            }

            return;
        }

        var entry = Entry(connection.TunnelId);
        lock (_lock)
        {
            entry.Connections = entry.Connections.Remove(connection);
        }

        Wake(entry);
        Changed?.Invoke();
    }

    /// <summary>A connection's served ingress changed: routes and reports are rebuilt.</summary>
    public void NotifyChanged()
    {
        Changed?.Invoke();
        foreach (var entry in _byTunnel.Values)
        {
            Wake(entry); // requests waiting for a stream re-check which connections serve their route
        }
    }

    public void Park(ConnectorConnection connection, ParkedDataCall call)
    {
        connection.Park(call);
        Wake(Entry(connection.TunnelId));
    }

    private void Wake(TunnelEntry entry)
    {
        TaskCompletionSource previous;
        lock (_lock)
        {
            previous = entry.Parked;
            entry.Parked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    /// <summary>How many connections this connector registered here in the last hour (its reconnects, with the current ones).</summary>
    public int RegistrationsLastHour(string tunnelId, string connectorId) =>
        _registrations.TryGetValue((tunnelId, connectorId), out var times) ? times.Count : 0;

    private void Registered(ConnectorConnection connection)
    {
        _registrations.GetOrAdd((connection.TunnelId, connection.ConnectorId), _ => new LastHourEvents(TimeProvider.System)).Add();
        if (_registrations.Count > 10_000)
        {
            foreach (var (key, times) in _registrations)
            {
                if (times.Count == 0)
                {
                    _registrations.TryRemove(key, out _);
                }
            }
        }
    }

    private TunnelEntry Entry(string tunnelId) => _byTunnel.GetOrAdd(tunnelId, _ => new TunnelEntry());

    private sealed class TunnelEntry
    {
        public ImmutableArray<ConnectorConnection> Connections { get; set; } = [];
        public TaskCompletionSource Parked { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
