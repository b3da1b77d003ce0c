using Tunnel.Edge.Traffic;
using Tunnel.Shared.Traffic;

namespace Tunnel.Edge.Tests.Traffic;

/// <summary>What an edge reports of its traffic: each request once, a failed report folded into the next.</summary>
public class TrafficRecorderTests
{
    [Fact]
    public void A_report_carries_what_changed_and_one_the_control_plane_never_got_is_sent_again_with_the_next()
    {
        var recorder = new TrafficRecorder();
        var web = recorder.CellOf("t1", "app.example.com");
        web.Record(TrafficOutcome.Ok, 0, 1000, 3);
        web.Record(TrafficOutcome.Status4xx, 10, 200, 30);
        recorder.CellOf("t1", "*.dev.example.com").Record(TrafficOutcome.NoConnector, 0, 0, 0.5);

        var (first, _) = recorder.Take("edge-a"); // not committed: the send failed
        Assert.Equal(2, first.Samples.Count);
        web.Record(TrafficOutcome.AccessRefused, 0, 0, 1);

        var (again, commit) = recorder.Take("edge-a"); // the same report again, same id: the control plane stores it once
        Assert.Same(first, again);
        var app = again.Samples.Single(s => s.Hostname == "app.example.com");
        Assert.Equal((2, 1, 0, 10, 1200), (app.Requests, app.Status4Xx, app.AccessRefused, app.BytesIn, app.BytesOut));
        Assert.Equal(LatencyBuckets.Count, app.Latency.Count);
        Assert.Equal((1L, 1L), (app.Latency[LatencyBuckets.IndexOf(3)], app.Latency[LatencyBuckets.IndexOf(30)]));
        commit();

        var (second, commitSecond) = recorder.Take("edge-a"); // what came meanwhile, under a new id
        Assert.NotEqual(first.ReportId, second.ReportId);
        var later = second.Samples.Single();
        Assert.Equal((1L, 1L), (later.Requests, later.AccessRefused));
        commitSecond();

        Assert.Empty(recorder.Take("edge-a").Report.Samples); // nothing new
        web.Record(TrafficOutcome.Status5xx, 0, 0, 2);
        var third = recorder.Take("edge-a").Report.Samples.Single();
        Assert.Equal((1L, 1L, 0L), (third.Requests, third.Status5Xx, third.Status4Xx));
    }
}
