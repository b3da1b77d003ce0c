using System.Collections.Concurrent;
using System.Net;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Inspection;

/// <summary>
/// How a replay the control plane asked for is told apart at this edge's public side: the edge sends it to itself
/// (loopback) with a one-time ticket, made here and known only here. The ticket names the capture it replays and
/// whether an admin chose to bypass Access; a ticket from anywhere but this host, used twice, late, or for another
/// tunnel counts for nothing (the request then is an ordinary one). The gate honours a bypass in one place
/// (Access.AccessSetup), for the ticket's tunnel only.
/// </summary>
public sealed class ReplayTickets(TimeProvider clock)
{
    public const string Header = "Tunnel-Replay-Ticket";
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, ReplayTicket> _open = new(StringComparer.Ordinal);

    public string Issue(string tunnelId, string replayOf, bool bypassAccess, string exchangeId)
    {
        foreach (var (key, old) in _open)
        {
            if (old.Expires < clock.GetUtcNow())
            {
                _open.TryRemove(key, out _);
            }
        }

        var nonce = SecretHash.NewSecret();
        _open[nonce] = new ReplayTicket(tunnelId, replayOf, bypassAccess, exchangeId, clock.GetUtcNow() + Lifetime);
        return nonce;
    }

    /// <summary>Takes the ticket header off the request (always: no origin sees one) and redeems it.</summary>
    public ReplayTicket? Redeem(HttpContext context)
    {
        var presented = context.Request.Headers[Header].ToString();
        context.Request.Headers.Remove(Header);
        // Only from this host to itself (loopback, or the bound address to itself), however secret the ticket.
        var from = context.Connection.RemoteIpAddress;
        if (from is null || !(IPAddress.IsLoopback(from) || from.Equals(context.Connection.LocalIpAddress)) || !_open.TryRemove(presented, out var ticket)
            || ticket.Expires < clock.GetUtcNow())
        {
            return null;
        }

        return ticket;
    }

    /// <summary>Whether the request carries a redeemed ticket that bypasses Access for the tunnel it was routed to.</summary>
    public static bool BypassesAccess(HttpContext context) =>
        context.Features.Get<ReplayTicket>() is { BypassAccess: true } ticket
        && context.GetEndpoint()?.Metadata.GetMetadata<Yarp.ReverseProxy.Model.RouteModel>()?.Config.Metadata?
            .GetValueOrDefault(Routing.TunnelRouteMetadata.TunnelId) == ticket.TunnelId;
}

/// <summary>A redeemed replay ticket, set as a request feature.</summary>
public sealed record ReplayTicket(string TunnelId, string ReplayOf, bool BypassAccess, string ExchangeId, DateTimeOffset Expires);
