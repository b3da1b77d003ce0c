using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;

namespace Tunnel.Edge.Hosting;

/// <summary>The edge's listeners; which one a connection arrived on decides everything it may reach.</summary>
public enum Listener
{
    /// <summary>Public HTTPS (and plain HTTP): tunnel routes and the Access login hostname, always through the gate.</summary>
    Public,

    /// <summary>Where connectors dial in: the connector gRPC service and nothing else.</summary>
    Connector,

    /// <summary>Health and metrics for the operator.</summary>
    Management,

    /// <summary>Where peer edges open tunnel streams through this edge: the peer gRPC service and nothing else.</summary>
    Peer,
}

/// <summary>Endpoint metadata: the one listener an endpoint is served on. Endpoints without it are served nowhere.</summary>
public sealed record ListenerScope(Listener Listener);

public static class EdgeListeners
{
    /// <summary>Decided by the local port the connection was accepted on: the socket, never anything the request says.</summary>
    public static Listener Of(HttpContext context, EdgeOptions options)
    {
        var port = context.Connection.LocalPort;
        return port == options.ConnectorPort ? Listener.Connector
            : port == options.ManagementPort ? Listener.Management
            : options.Peering && port == options.PeerPort ? Listener.Peer
            : Listener.Public;
    }

    public static TBuilder OnListener<TBuilder>(this TBuilder builder, Listener listener) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ListenerScope(listener));
}

/// <summary>
/// Drops every candidate endpoint not scoped to the connection's listener, so a request to the connector port can
/// reach only the connector service whatever its Host, path or content type, and a public request never reaches it.
/// </summary>
internal sealed class ListenerEndpointPolicy(IOptions<EdgeOptions> options) : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => int.MinValue;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => true;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var listener = EdgeListeners.Of(httpContext, options.Value);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<ListenerScope>()?.Listener != listener)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
