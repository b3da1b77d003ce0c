using CsCheck;
using Tunnel.Shared.Traffic;

namespace Tunnel.ControlPlane.Tests;

/// <summary>Percentiles of the merged latency histograms the traffic charts draw.</summary>
public class LatencyBucketsTests
{
    [Fact]
    public void Durations_fall_in_the_bucket_their_bound_names_and_percentiles_stay_inside_their_bucket()
    {
        Assert.Equal(0, LatencyBuckets.IndexOf(0.2));
        Assert.Equal(0, LatencyBuckets.IndexOf(1));
        Assert.Equal(1, LatencyBuckets.IndexOf(1.01));
        Assert.Equal(LatencyBuckets.Count - 1, LatencyBuckets.IndexOf(60_000));

        var counts = new long[LatencyBuckets.Count];
        counts[LatencyBuckets.IndexOf(3)] = 90;   // 90 requests in (2.5, 5] ms
        counts[LatencyBuckets.IndexOf(300)] = 10; // 10 in (250, 500] ms
        Assert.InRange(LatencyBuckets.Quantile(counts, 0.5)!.Value, 2.5, 5);
        Assert.InRange(LatencyBuckets.Quantile(counts, 0.95)!.Value, 250, 500);
        Assert.InRange(LatencyBuckets.Quantile(counts, 0.99)!.Value, 250, 500);
        Assert.Null(LatencyBuckets.Quantile(new long[LatencyBuckets.Count], 0.5));
    }

    [Fact]
    public void Two_edges_histograms_merged_give_the_percentiles_of_all_their_requests()
    {
        Gen.Select(Gen.Double[0, 40_000].Array[1, 200], Gen.Double[0, 40_000].Array[1, 200], Gen.Double[0.01, 1])
            .Sample((a, b, q) =>
            {
                long[] Histogram(IEnumerable<double> ms)
                {
                    var h = new long[LatencyBuckets.Count];
                    foreach (var m in ms)
                    {
                        h[LatencyBuckets.IndexOf(m)]++;
                    }

                    return h;
                }

                var merged = Histogram(a).Zip(Histogram(b), (x, y) => x + y).ToArray();
                var exact = a.Concat(b).Order().ElementAt(Math.Max(0, (int)Math.Ceiling(q * (a.Length + b.Length)) - 1));
                var estimate = LatencyBuckets.Quantile(merged, q)!.Value;
                var bucket = LatencyBuckets.IndexOf(exact);
                var lower = bucket == 0 ? 0 : LatencyBuckets.UpperMs[bucket - 1];
                var upper = bucket < LatencyBuckets.UpperMs.Length ? LatencyBuckets.UpperMs[bucket] : double.MaxValue;
                Assert.InRange(estimate, lower, upper); // within the bucket of the exact percentile
                Assert.Equal(merged, Histogram(a.Concat(b)));
            });
    }
}
