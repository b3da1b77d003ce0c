using System.Net;
using Microsoft.AspNetCore.Http;
using Tunnel.Edge.Inspection;

namespace Tunnel.Edge.Tests.Inspection;

/// <summary>A replay ticket is this edge's own: once, in time, from this host only, and always taken off the request.</summary>
public class ReplayTicketsTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch.AddYears(56);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static DefaultHttpContext Request(string? ticket, IPAddress from, IPAddress? local = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = from;
        context.Connection.LocalIpAddress = local ?? IPAddress.Loopback;
        if (ticket is not null)
        {
            context.Request.Headers[ReplayTickets.Header] = ticket;
        }

        return context;
    }

    [Fact]
    public void A_ticket_counts_once_in_time_and_only_from_this_host()
    {
        var clock = new Clock();
        var tickets = new ReplayTickets(clock);
        var nonce = tickets.Issue("t1", "orig", bypassAccess: true, "x1");

        var outside = Request(nonce, IPAddress.Parse("203.0.113.9"), IPAddress.Parse("198.51.100.1"));
        Assert.Null(tickets.Redeem(outside)); // from elsewhere: nothing (and the ticket is not spent by trying)
        Assert.False(outside.Request.Headers.ContainsKey(ReplayTickets.Header));

        var self = Request(nonce, IPAddress.Parse("198.51.100.1"), IPAddress.Parse("198.51.100.1"));
        Assert.Equal(("t1", "orig", true, "x1"), tickets.Redeem(self) is { } t ? (t.TunnelId, t.ReplayOf, t.BypassAccess, t.ExchangeId) : default);
        Assert.Null(tickets.Redeem(Request(nonce, IPAddress.Loopback))); // once

        var late = tickets.Issue("t1", "orig", true, "x2");
        clock.Now += TimeSpan.FromSeconds(31);
        Assert.Null(tickets.Redeem(Request(late, IPAddress.Loopback)));
        Assert.Null(tickets.Redeem(Request("made-up", IPAddress.Loopback)));
        Assert.Null(tickets.Redeem(Request("", IPAddress.IPv6Loopback)));
    }
}
