namespace Tunnel.Shared.Traffic;

/// <summary>
/// The request-duration histogram edges keep per hostname and the control plane adds up across edges: fixed bucket
/// bounds, so histograms of several edges merge by adding counts, and percentiles come from the merged counts.
/// </summary>
public static class LatencyBuckets
{
    /// <summary>Upper bounds in milliseconds; one more bucket holds everything slower.</summary>
    public static readonly double[] UpperMs = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

    public static int Count => UpperMs.Length + 1;

    public static int IndexOf(double ms)
    {
        for (var i = 0; i < UpperMs.Length; i++)
        {
            if (ms <= UpperMs[i])
            {
                return i;
            }
        }

        return UpperMs.Length;
    }

    /// <summary>
    /// The q-quantile (0–1) of a histogram, interpolated linearly inside its bucket (the last bucket reports its lower
    /// bound); null for an empty histogram.
    /// </summary>
    public static double? Quantile(IReadOnlyList<long> counts, double q)
    {
        var total = counts.Sum();
        if (total == 0)
        {
            return null;
        }

        var rank = q * total;
        long seen = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i] == 0 || seen + counts[i] < rank)
            {
                seen += counts[i];
                continue;
            }

            var lower = i == 0 ? 0 : UpperMs[i - 1];
            if (i >= UpperMs.Length)
            {
                return lower;
            }

            return lower + ((UpperMs[i] - lower) * Math.Clamp((rank - seen) / counts[i], 0, 1));
        }

        return UpperMs[^1];
    }
}
