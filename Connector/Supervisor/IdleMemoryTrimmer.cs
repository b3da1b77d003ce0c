namespace Tunnel.Connector.Supervisor;

/// <summary>
/// Gives memory back to the system when the connector goes quiet after work, as Go's scavenger does for cloudflared.
/// The GC keeps the heap it grew during a transfer (its gen0 budget follows the CPU's cache size: ~16 MB on a 32 MB
/// L3) for as long as nothing allocates, which for an idle connector is forever. Capping that budget instead costs a
/// quarter more CPU per transferred byte (measured), so the heap is left to grow while busy and is compacted and
/// decommitted once, by an aggressive full collection, when a period with next to no allocation follows a busy one.
/// </summary>
public sealed class IdleMemoryTrimmer
{
    /// <summary>Allocation within a period above which the connector was busy (the GC has likely grown its heap).</summary>
    public const long BusyBytes = 4 << 20;

    /// <summary>Allocation within a period below which the connector is idle (keep-alive pings and the like).</summary>
    public const long QuietBytes = 256 << 10;

    private long _last;
    private bool _grewSinceTrim;

    /// <param name="allocatedAtStart">Bytes allocated so far: start-up itself may count as busy.</param>
    public IdleMemoryTrimmer(long allocatedAtStart)
    {
        _last = allocatedAtStart;
        _grewSinceTrim = allocatedAtStart > BusyBytes;
    }

    /// <summary>Called once a period with the process's total allocated bytes; true when now is the time to trim.</summary>
    public bool Observe(long totalAllocated)
    {
        var allocated = totalAllocated - _last;
        _last = totalAllocated;
        if (allocated > BusyBytes)
        {
            _grewSinceTrim = true;
            return false;
        }

        if (!_grewSinceTrim || allocated >= QuietBytes)
        {
            return false;
        }

        _grewSinceTrim = false;
        return true;
    }

    /// <summary>Observes the GC every <paramref name="period"/> and trims when <see cref="Observe"/> says so.</summary>
    public static async Task RunAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        var trimmer = new IdleMemoryTrimmer(GC.GetTotalAllocatedBytes());
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (trimmer.Observe(GC.GetTotalAllocatedBytes()))
                {
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    trimmer._last = GC.GetTotalAllocatedBytes(); // the collection's own allocations are not work
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
