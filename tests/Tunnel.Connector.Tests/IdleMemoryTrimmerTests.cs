using Tunnel.Connector.Supervisor;

namespace Tunnel.Connector.Tests;

/// <summary>When the connector gives its grown heap back: once, on the first quiet period after a busy one.</summary>
public class IdleMemoryTrimmerTests
{
    private const long Mb = 1 << 20;

    [Fact]
    public void A_quiet_period_after_a_transfer_trims_once_and_an_idle_connector_is_left_alone()
    {
        var trimmer = new IdleMemoryTrimmer(allocatedAtStart: 1 * Mb);
        var total = 1 * Mb;
        bool Period(long allocated) => trimmer.Observe(total += allocated);

        Assert.False(Period(10_000));            // idle from the start: nothing grew, nothing to give back
        Assert.False(Period(64 * Mb));           // a transfer: the heap grows, no collection in the middle of it
        Assert.False(Period(300 * Mb));
        Assert.False(Period(2 * Mb));            // tailing off, not quiet yet
        Assert.True(Period(50_000));             // quiet: trim
        Assert.False(Period(50_000));            // and only once
        Assert.False(Period(10_000));
        Assert.False(Period(IdleMemoryTrimmer.BusyBytes)); // at the threshold is not busy
        Assert.False(Period(0));
        Assert.False(Period(IdleMemoryTrimmer.BusyBytes + 1));
        Assert.False(Period(IdleMemoryTrimmer.QuietBytes)); // at the threshold is not quiet
        Assert.True(Period(IdleMemoryTrimmer.QuietBytes - 1));
    }

    [Fact]
    public void A_start_up_that_allocated_much_is_trimmed_at_the_first_quiet_period()
    {
        var trimmer = new IdleMemoryTrimmer(allocatedAtStart: 20 * Mb);
        Assert.True(trimmer.Observe(20 * Mb + 1_000));
        Assert.False(trimmer.Observe(20 * Mb + 2_000));
    }
}
