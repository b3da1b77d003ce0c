using System.Collections.Concurrent;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Traffic;

namespace Tunnel.Edge.Traffic;

/// <summary>
/// What this edge served, per tunnel and routed hostname (a wildcard stays one name, so visitors cannot grow the
/// table): running totals that requests add to without locks, and what was last reported, so a report that fails is
/// sent again with the next one and nothing is counted twice or lost.
/// </summary>
public sealed class TrafficRecorder
{
    private readonly ConcurrentDictionary<(string Tunnel, string Host), Cell> _cells = new();
    private readonly string _boot = Guid.NewGuid().ToString("N")[..12];
    private long _sequence;
    private TrafficReport? _unacknowledged;

    public Cell CellOf(string tunnelId, string hostname) => _cells.GetOrAdd((tunnelId, hostname), key => new Cell(key.Tunnel, key.Host));

    /// <summary>What changed since the last committed report; commit it once the control plane has it.</summary>
    /// <remarks>
    /// Until a report is committed, the next Take returns it again, unchanged (same id), so the control plane can tell a
    /// resend from new counts; what was counted meanwhile goes into the report after it.
    /// </remarks>
    public (TrafficReport Report, Action Commit) Take(string edgeId)
    {
        if (_unacknowledged is { } pending)
        {
            return (pending, () => _unacknowledged = null);
        }

        var report = new TrafficReport { EdgeId = edgeId, ReportId = $"{_boot}:{++_sequence}" };
        var taken = new List<(Cell Cell, long[] Now)>();
        foreach (var cell in _cells.Values)
        {
            var now = cell.Read();
            if (now.AsSpan().SequenceEqual(cell.Reported))
            {
                continue;
            }

            var d = new long[now.Length];
            for (var i = 0; i < now.Length; i++)
            {
                d[i] = now[i] - cell.Reported[i];
            }

            var sample = new TrafficSample
            {
                TunnelId = cell.TunnelId, Hostname = cell.Hostname, Requests = d[0], Status4Xx = d[1], Status5Xx = d[2], NoConnector = d[3],
                OriginUnreachable = d[4], AccessRefused = d[5], OtherEdge = d[6], BytesIn = d[7], BytesOut = d[8],
            };
            sample.Latency.AddRange(d.AsSpan(Cell.Fields).ToArray());
            report.Samples.Add(sample);
            taken.Add((cell, now));
        }

        // Counted as reported at once; kept whole until the control plane acknowledges it.
        taken.ForEach(t => t.Cell.Reported = t.Now);
        _unacknowledged = report.Samples.Count > 0 ? report : null;
        return (report, () => _unacknowledged = null);
    }

    /// <summary>One hostname's running totals.</summary>
    public sealed class Cell(string tunnelId, string hostname)
    {
        internal const int Fields = 9;

        // Requests, 4xx, 5xx, no connector, origin unreachable, Access refused, other edge answers, bytes in, bytes out,
        // then the latency buckets: one array so a report reads them in one pass.
        private readonly long[] _counts = new long[Fields + LatencyBuckets.Count];

        public string TunnelId { get; } = tunnelId;
        public string Hostname { get; } = hostname;
        internal long[] Reported { get; set; } = new long[Fields + LatencyBuckets.Count];

        /// <param name="milliseconds">The request's duration; none for an upgraded one (a WebSocket session is not a request's latency).</param>
        public void Record(TrafficOutcome outcome, long bytesIn, long bytesOut, double? milliseconds)
        {
            Interlocked.Increment(ref _counts[0]);
            if (outcome != TrafficOutcome.Ok)
            {
                Interlocked.Increment(ref _counts[(int)outcome]);
            }

            if (bytesIn > 0)
            {
                Interlocked.Add(ref _counts[7], bytesIn);
            }

            if (bytesOut > 0)
            {
                Interlocked.Add(ref _counts[8], bytesOut);
            }

            if (milliseconds is { } ms)
            {
                Interlocked.Increment(ref _counts[Fields + LatencyBuckets.IndexOf(ms)]);
            }
        }

        internal long[] Read()
        {
            var copy = new long[_counts.Length];
            for (var i = 0; i < copy.Length; i++)
            {
                copy[i] = Interlocked.Read(ref _counts[i]);
            }

            return copy;
        }
    }
}

/// <summary>How a request ended, as the charts split it; the values index <see cref="TrafficRecorder.Cell"/>'s counts.</summary>
public enum TrafficOutcome
{
    Ok = 0,
    Status4xx = 1,
    Status5xx = 2,
    NoConnector = 3,
    OriginUnreachable = 4,
    AccessRefused = 5,
    OtherEdge = 6,
}
