using System.Globalization;

/// <summary>What the many-tunnels cell reads about the edge process from outside: resident memory and managed heap.</summary>
internal static class EdgeProcess
{
    /// <summary>VmRSS of the process, in KiB.</summary>
    public static long ResidentKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new IOException($"/proc/{pid}/status has no VmRSS");
    }

    /// <summary>
    /// The managed heap after the last GC (all generations, KiB) from the edge's Prometheus scrape; NaN when it is not
    /// there. RSS also holds what the GC keeps committed and native memory; this says how much of it is live objects.
    /// </summary>
    public static async Task<double> ManagedHeapKbAsync(HttpClient http, string metricsUrl)
    {
        try
        {
            var text = await http.GetStringAsync(metricsUrl);
            var bytes = text.Split('\n')
                .Where(l => l.StartsWith("dotnet_gc_last_collection_heap_size_bytes{", StringComparison.Ordinal))
                .Sum(l => double.Parse(l[(l.IndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)); // value [timestamp]
            return bytes > 0 ? bytes / 1024 : double.NaN;
        }
        catch (Exception ex) when (ex is HttpRequestException or FormatException or TaskCanceledException)
        {
            return double.NaN;
        }
    }
}
