using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Tunnel.Edge.Telemetry;
using Tunnel.Shared.Access;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Access;

/// <summary>
/// Requests the gate refused, on their way to the control plane, where an admin finds one by the request id the
/// refused person was shown. Off the request's path: a bounded queue that drops (and counts) what does not fit,
/// so a flood of refusals never slows the gate nor grows the edge's memory.
/// </summary>
public sealed class AccessDecisionLog
{
    public const int Capacity = 2048;

    /// <summary>Refusals recorded per identity and application in a minute; one person's loop cannot push out everyone else's records.</summary>
    public const int PerIdentityPerMinute = 20;

    private readonly Lock _lock = new();
    private readonly Dictionary<(Guid App, string Who), int> _thisMinute = [];
    private long _minute;

    private readonly Channel<AccessDecisionRecord> _queue = Channel.CreateBounded<AccessDecisionRecord>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Counter<long> _dropped;

    public AccessDecisionLog(IMeterFactory meters) =>
        _dropped = meters.Create(EdgeMetrics.MeterName).CreateCounter<long>("tunnel.edge.access_decisions_dropped", "{decision}",
            "Refusals not sent to the control plane, by reason (queue_full, per_identity_limit)");

    public ChannelReader<AccessDecisionRecord> Reader => _queue.Reader;

    /// <summary>Queues a refusal; its explanation is worked out only when it will be kept (not for a flooding identity).</summary>
    public void Refused(HttpContext context, AccessApplication app, AccessIdentity who, string reasonCode)
    {
        if (!WithinShare(app.Id, who.Email ?? who.ServiceTokenClientId ?? ""))
        {
            _dropped.Add(1, new KeyValuePair<string, object?>("reason", "per_identity_limit"));
            return;
        }

        var target = RequestTarget.CanonicalTarget.Of(context);
        var record = new AccessDecisionRecord
        {
            RequestId = context.TraceIdentifier,
            At = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Method = context.Request.Method,
            Host = target.Host,
            Path = target.Path,
            ApplicationId = app.Id.ToString(),
            Application = app.Name,
            ReasonCode = reasonCode,
            Email = who.Email ?? "",
            ServiceToken = who.ServiceTokenClientId ?? "",
            ClientIp = who.ClientIp?.ToString() ?? "",
            ExplanationJson = AccessJson.Serialize(AccessPolicyEvaluator.Explain(app, who)),
        };
        record.Groups.AddRange(who.Groups);
        if (!_queue.Writer.TryWrite(record))
        {
            _dropped.Add(1, new KeyValuePair<string, object?>("reason", "queue_full"));
        }
    }

    private bool WithinShare(Guid app, string who)
    {
        var minute = Environment.TickCount64 / 60_000;
        lock (_lock)
        {
            if (minute != _minute || _thisMinute.Count >= 10_000)
            {
                _minute = minute;
                _thisMinute.Clear();
            }

            var count = _thisMinute.GetValueOrDefault((app, who)) + 1;
            _thisMinute[(app, who)] = count;
            return count <= PerIdentityPerMinute;
        }
    }
}
