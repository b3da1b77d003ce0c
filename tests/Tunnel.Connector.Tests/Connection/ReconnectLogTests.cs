using Tunnel.Connector.Connection;

namespace Tunnel.Connector.Tests.Connection;

/// <summary>A connector's own count of its reconnects: an index registering again, with any edge, within the last hour.</summary>
public sealed class ReconnectLogTests
{
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void First_registrations_are_not_reconnects_again_ones_are_and_they_age_out_after_an_hour()
    {
        var clock = new Clock(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var log = new ReconnectLog(clock);
        for (var index = 0; index < 4; index++)
        {
            log.Registered(index);
        }

        Assert.Equal(0, log.LastHour); // four connections up: nothing reconnected

        log.Registered(0);
        log.Registered(2); // two connections moved (to another edge, or the same one again)
        Assert.Equal(2, log.LastHour);

        clock.Now += TimeSpan.FromMinutes(30);
        log.Registered(2);
        Assert.Equal(3, log.LastHour);

        clock.Now += TimeSpan.FromMinutes(31); // the first two are over an hour old
        Assert.Equal(1, log.LastHour);
        clock.Now += TimeSpan.FromMinutes(30);
        Assert.Equal(0, log.LastHour);
    }
}
