using System.Collections.Concurrent;
using Grpc.Core;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Connectors;

/// <summary>One HTTP/2 connection from a connector: its Control stream and the Data calls parked on it.</summary>
public sealed class ConnectorConnection : IDisposable
{
    private readonly IServerStreamWriter<EdgeMessage> _control;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closed;
    private readonly CancellationTokenSource _revoked = new();
    private readonly ConcurrentQueue<ParkedDataCall> _idle = new();
    private int _demandPending;
    private string? _ingressSent; // null until Registered went out; guarded by _writeLock
    private readonly bool _reportsIngress;
    private readonly Dictionary<string, string> _sentByVersion = new(StringComparer.Ordinal); // guarded by _writeLock
    private ServedIngress? _served;

    public ConnectorConnection(string tunnelId, byte[] secretHash, Register registration, string remoteAddress,
        IServerStreamWriter<EdgeMessage> control, CancellationToken callAborted)
    {
        TunnelId = tunnelId;
        SecretHash = secretHash;
        ConnectorId = registration.ConnectorId;
        Index = registration.ConnectionIndex;
        Version = registration.Version;
        ConnectorReconnectsLastHour = registration.HasReconnectsLastHour ? registration.ReconnectsLastHour : null;
        Ingress = registration.Ingress.ToArray();
        _reportsIngress = registration.ReportsIngress;
        RemoteAddress = remoteAddress;
        _control = control;
        _closed = CancellationTokenSource.CreateLinkedTokenSource(callAborted);
    }

    public string Id { get; } = Guid.NewGuid().ToString("N");
    public string TunnelId { get; }
    /// <summary>The secret hash the connection authenticated with; a rotation or deletion drops the connection.</summary>
    public byte[] SecretHash { get; }
    public string ConnectorId { get; }
    public int Index { get; }
    public string Version { get; }
    public string RemoteAddress { get; }
    public IReadOnlyList<IngressRule> Ingress { get; }

    /// <summary>
    /// The ingress this connection serves, as the connector confirmed it (null until it did): streams of the
    /// connection are routed by these rules, never by rules the connector refused.
    /// </summary>
    public ServedIngress? Served => Volatile.Read(ref _served);

    /// <summary>The last version the connector refused, and why (null when it refused none, or served a later one).</summary>
    public (string Version, string Reason)? Rejected { get; private set; }
    public DateTimeOffset ConnectedAt { get; } = DateTimeOffset.UtcNow;
    public DateTimeOffset LastHeartbeat { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The connector's own count of its reconnects in the last hour (Register, then each heartbeat); null: it does not say.</summary>
    public int? ConnectorReconnectsLastHour { get; set; }

    /// <summary>Cancelled when the Control stream ends or the edge drops the connection.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>Cancelled when the connection's credentials are no longer valid: every stream on it ends, in flight or not.</summary>
    public CancellationToken Revoked => _revoked.Token;

    public void Park(ParkedDataCall call)
    {
        _idle.Enqueue(call);
        Volatile.Write(ref _demandPending, 0);
    }

    public ParkedDataCall? TryTake()
    {
        while (!_closed.IsCancellationRequested && _idle.TryDequeue(out var call))
        {
            if (call.TryClaim())
            {
                return call;
            }

            call.Complete();
        }

        return null;
    }

    /// <summary>Asks the connector for more parked Data calls, once until one arrives.</summary>
    public void RequestStreams(int count)
    {
        if (Interlocked.Exchange(ref _demandPending, 1) == 0)
        {
            _ = SendAsync(new EdgeMessage { Demand = new DataDemand { Count = count } });
        }
    }

    public Task SendAsync(EdgeMessage message) => SendAsync(() => message);

    /// <summary>
    /// Registered carries the tunnel's current ingress rules from the control plane; decided under the write lock,
    /// so an <see cref="UpdateIngressAsync"/> never overtakes it.
    /// </summary>
    public Task SendRegisteredAsync(string edgeId, Func<string> currentIngressJson, IEnumerable<string> warnings, IEnumerable<string> edges, string inspectorUrl = "") => SendAsync(() =>
    {
        _ingressSent = currentIngressJson();
        Sent(_ingressSent);
        var registered = new Registered { EdgeId = edgeId, ConnectionId = Id, IngressJson = _ingressSent, InspectorUrl = inspectorUrl };
        registered.Warnings.AddRange(warnings);
        registered.Edges.AddRange(edges);
        return new EdgeMessage { Registered = registered };
    });

    /// <summary>Tells the connector the control plane changed the tunnel's ingress rules (once per change).</summary>
    public Task UpdateIngressAsync(string ingressJson) => SendAsync(() =>
    {
        if (_ingressSent is null || _ingressSent == ingressJson)
        {
            return null; // not registered yet (Registered will carry it), or nothing new
        }

        _ingressSent = ingressJson;
        Sent(ingressJson);
        return new EdgeMessage { IngressUpdate = new IngressUpdate { IngressJson = ingressJson } };
    });

    /// <summary>Remembers what went out, so a status naming a version maps back to its rules.</summary>
    private void Sent(string ingressJson)
    {
        if (_sentByVersion.Count >= 8)
        {
            _sentByVersion.Clear(); // a connector answers each update at once; older versions are not served any more
        }

        _sentByVersion[IngressVersion.Of(ingressJson)] = ingressJson;
        if (!_reportsIngress)
        {
            Volatile.Write(ref _served, new ServedIngress(IngressVersion.Of(ingressJson), ingressJson, Ingress)); // older connectors take what they get
        }
    }

    /// <summary>The connector said what it serves and what it refused; false when that changes nothing.</summary>
    public async Task<bool> ApplyStatusAsync(IngressStatus status)
    {
        await _writeLock.WaitAsync(Closed);
        try
        {
            var json = status.ServingVersion == IngressVersion.Local ? ""
                : _sentByVersion.GetValueOrDefault(status.ServingVersion)
                  ?? (status.ServingJson.Length > 0 && IngressVersion.Of(status.ServingJson) == status.ServingVersion ? status.ServingJson : null);
            // The reason goes to logs, reports and pages: bounded, whatever a connector sends.
            var rejected = status.RejectedVersion.Length == 0 ? ((string, string)?)null
                : (status.RejectedVersion[..Math.Min(status.RejectedVersion.Length, 64)], status.RejectedReason[..Math.Min(status.RejectedReason.Length, 500)]);
            if (json is null || (Served?.Version == status.ServingVersion && Rejected == rejected))
            {
                return false; // a version this edge never sent (cannot route by it), or nothing new
            }

            Volatile.Write(ref _served, new ServedIngress(status.ServingVersion, json, Ingress));
            Rejected = rejected;
            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task SendAsync(Func<EdgeMessage?> build)
    {
        await _writeLock.WaitAsync(Closed);
        try
        {
            if (build() is { } message)
            {
                await _control.WriteAsync(message, Closed);
            }
        }
        catch (Exception) when (Closed.IsCancellationRequested)
        {
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Ends the connection and every stream it carries: its tunnel was deleted or its secret rotated.</summary>
    public void Revoke()
    {
        _revoked.Cancel();
        Close();
    }

    /// <summary>Ends the connection: the Control stream returns and idle Data calls are released.</summary>
    public void Close()
    {
        _closed.Cancel();
        ReleaseIdle();
    }

    /// <summary>Ends the parked Data calls nobody has claimed (the connector is leaving).</summary>
    public void ReleaseIdle()
    {
        while (_idle.TryDequeue(out var call))
        {
            call.Complete();
        }
    }

    public void Dispose()
    {
        Close();
        _closed.Dispose();
        _revoked.Dispose();
        _writeLock.Dispose();
    }
}
