using Grpc.Core;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Edge.Connectors;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Peering;

/// <summary>
/// Opens a tunnel stream through a peer edge holding connections of the tunnel (from the snapshot's placements):
/// healthy peers first, spread round robin; a peer that fails or no longer holds the tunnel is skipped for the next.
/// </summary>
public sealed class PeerDialer(ConfigStore config, PeerChannels channels, PeerHealth health, IOptions<EdgeOptions> options,
    Telemetry.EdgeMetrics metrics, ILogger<PeerDialer> logger)
{
    private int _next;

    /// <summary>Whether some other edge reachable as a peer holds connections serving that ingress version.</summary>
    public bool Holds(string tunnelId, string ingressVersion) => Candidates(tunnelId, ingressVersion).Any();

    private IEnumerable<EdgeInfo> Candidates(string tunnelId, string ingressVersion) =>
        config.FindTunnel(tunnelId)?.Placements
            .Where(p => p.IngressVersion == ingressVersion && p.EdgeId != options.Value.Id)
            .Select(p => config.FindEdge(p.EdgeId))
            .OfType<EdgeInfo>()
            .Where(e => e.PeerUrl.Length > 0) ?? [];

    public async Task<IDataCall> OpenAsync(string tunnelId, string ingressVersion, int rule, string service, string traceparent, CancellationToken cancellationToken)
    {
        var candidates = Candidates(tunnelId, ingressVersion).ToList();
        if (candidates.Count == 0)
        {
            throw new TunnelUnavailableException("no connector of it is online");
        }

        // Spread over peers; those that failed lately go last rather than not at all (they may be back).
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)candidates.Count);
        var ordered = candidates.Skip(start).Concat(candidates.Take(start)).OrderBy(e => health.IsHealthy(e.EdgeId) ? 0 : 1).ToList();
        var open = new OpenStream { TunnelId = tunnelId, IngressVersion = ingressVersion, Rule = rule, Service = service, Traceparent = traceparent };
        var errors = new List<string>();
        foreach (var peer in ordered)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AsyncDuplexStreamingCall<DataFrame, DataFrame>? call = null;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.Value.StreamWait + options.Value.OriginOpenTimeout);
            try
            {
                // Not bound to the connect token: the call outlives the connect and ends when the stream is disposed.
                call = channels.For(peer.PeerUrl).Open();
                await call.RequestStream.WriteAsync(new DataFrame { Open = open }, deadline.Token);
                if (!await call.ResponseStream.MoveNext(deadline.Token) || call.ResponseStream.Current.Result is not { } result)
                {
                    throw new IOException("the peer closed the call without an open result");
                }

                if (result.Ok)
                {
                    health.Succeeded(peer.EdgeId);
                    metrics.PeerStreamOpened(peer.EdgeId, "ok");
                    return new PeerDataCall(call, (result.EdgeId.Length > 0 ? result.EdgeId : peer.EdgeId, result.ConnectorId));
                }

                call.Dispose();
                if (result.Code == ErrorCodes.NoConnector)
                {
                    // The snapshot was behind: that edge's connections moved. Not the peer's fault.
                    metrics.PeerStreamOpened(peer.EdgeId, ErrorCodes.NoConnector);
                    errors.Add($"{peer.EdgeId}: {result.Error}");
                    continue;
                }

                metrics.PeerStreamOpened(peer.EdgeId, ErrorCodes.OriginUnreachable);
                throw new OriginUnreachableException(result.Error);
            }
            // An address gRPC cannot dial (http://, not a URI: the snapshot carries whatever an edge reported) fails that
            // peer only, like one that is down; the others are still tried.
            catch (Exception ex) when (ex is RpcException or IOException or HttpRequestException or OperationCanceledException
                or InvalidOperationException or UriFormatException && !cancellationToken.IsCancellationRequested)
            {
                call?.Dispose();
                var error = ex is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message;
                health.Failed(peer.EdgeId, error);
                metrics.PeerStreamOpened(peer.EdgeId, "failed");
                logger.LogWarning("Peer edge {Peer} could not open a stream for tunnel {Tunnel}: {Error}", peer.EdgeId, tunnelId, error);
                errors.Add($"{peer.EdgeId}: {error}");
            }
        }

        // The details name internal edges: the log has them, the public page does not.
        logger.LogWarning("No peer edge opened a stream for tunnel {Tunnel}: {Errors}", tunnelId, string.Join("; ", errors));
        throw new TunnelUnavailableException("its connectors are on other edges, none of which could open a stream just now");
    }
}
