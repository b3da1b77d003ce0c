using System.Diagnostics.Metrics;
using Tunnel.Edge.Config;
using Tunnel.Edge.Connectors;
using Tunnel.Shared.Hosting;

namespace Tunnel.Edge.Telemetry;

/// <summary>
/// The edge's own metrics (meter Tunnel.Edge), beside ASP.NET Core's request count, status and latency histograms:
/// connector connections, config version, tunnel streams opened and open, bytes each way.
/// </summary>
public sealed class EdgeMetrics
{
    public const string MeterName = Shared.Hosting.Telemetry.Prefix + "Edge";
    private readonly Counter<long> _streamOpens;
    private readonly UpDownCounter<long> _activeStreams;
    private readonly Counter<long> _bytes;

    public EdgeMetrics(IMeterFactory meters, ConnectorRegistry registry, ConfigStore config)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("tunnel.edge.connector_connections", () => registry.All.Count(), "{connection}", "Connector connections held by this edge");
        meter.CreateObservableGauge("tunnel.edge.config_version", () => config.Version, null, "Version of the config snapshot this edge routes by");
        _streamOpens = meter.CreateCounter<long>("tunnel.edge.stream_opens", "{stream}", "Tunnel streams asked of connectors, by result");
        _activeStreams = meter.CreateUpDownCounter<long>("tunnel.edge.active_streams", "{stream}", "Tunnel streams open now");
        _bytes = meter.CreateCounter<long>("tunnel.edge.stream_bytes", "By", "Bytes carried through tunnel streams, by direction and path (local, peer)");
        _peerOpens = meter.CreateCounter<long>("tunnel.edge.peer_stream_opens", "{stream}", "Tunnel streams this edge asked of peer edges, by peer and result");
        _peerServed = meter.CreateCounter<long>("tunnel.edge.peer_streams_served", "{stream}", "Tunnel streams this edge opened for peer edges");
        _capturesDropped = meter.CreateCounter<long>("tunnel.edge.captures_dropped", "{request}", "Requests the traffic inspector did not keep: its queue was full or the control plane unreachable");
    }

    private readonly Counter<long> _peerOpens;
    private readonly Counter<long> _peerServed;
    private readonly Counter<long> _capturesDropped;

    public void CapturesDropped(long count)
    {
        if (count > 0)
        {
            _capturesDropped.Add(count);
        }
    }

    public void PeerStreamOpened(string peer, string result) =>
        _peerOpens.Add(1, new KeyValuePair<string, object?>("peer", peer), new KeyValuePair<string, object?>("result", result));

    public void PeerStreamServed() => _peerServed.Add(1);

    public void StreamOpened(string result) => _streamOpens.Add(1, new KeyValuePair<string, object?>("result", result));

    public void StreamActive(int delta) => _activeStreams.Add(delta);

    public void ToOrigin(long bytes, bool viaPeer) =>
        _bytes.Add(bytes, new KeyValuePair<string, object?>("direction", "to_origin"), new KeyValuePair<string, object?>("path", viaPeer ? "peer" : "local"));

    public void FromOrigin(long bytes, bool viaPeer) =>
        _bytes.Add(bytes, new KeyValuePair<string, object?>("direction", "from_origin"), new KeyValuePair<string, object?>("path", viaPeer ? "peer" : "local"));
}
