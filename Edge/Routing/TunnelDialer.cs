using System.Collections.Immutable;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Connectors;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Routing;

/// <summary>
/// Opens an upstream connection to an origin service of a tunnel: claims a parked Data call from one of the
/// tunnel's connector connections on this edge (round robin, so replicas share the load), names the service, and
/// waits for the connector's answer. When this edge holds no usable connection of the tunnel, the stream is opened
/// through a peer edge that does (<see cref="Peering.PeerDialer"/>).
/// </summary>
public sealed class TunnelDialer(ConnectorRegistry registry, Peering.PeerDialer peers, IOptions<EdgeOptions> options, Telemetry.EdgeMetrics metrics, ILogger<TunnelDialer> logger)
{
    private const int MaxAttempts = 3;
    private int _next;

    /// <summary>Opens a stream to <paramref name="service"/> on a connection serving ingress <paramref name="ingressVersion"/>.</summary>
    public async ValueTask<Stream> OpenAsync(string tunnelId, string ingressVersion, int rule, string service, CancellationToken cancellationToken)
    {
        var traceparent = System.Diagnostics.Activity.Current?.Id ?? "";
        // Local connections first: a peer hop costs a little latency and the peer's bandwidth.
        if (registry.ConnectionsFor(tunnelId).IsEmpty && peers.Holds(tunnelId, ingressVersion))
        {
            return new TunnelStream(await peers.OpenAsync(tunnelId, ingressVersion, rule, service, traceparent, cancellationToken), metrics, viaPeer: true);
        }

        try
        {
            return new TunnelStream(await OpenLocalAsync(tunnelId, ingressVersion, rule, service, traceparent, cancellationToken), metrics, viaPeer: false);
        }
        catch (TunnelUnavailableException) when (peers.Holds(tunnelId, ingressVersion))
        {
            // Its connections here went away or offered no stream meanwhile; the ones on peers may.
            return new TunnelStream(await peers.OpenAsync(tunnelId, ingressVersion, rule, service, traceparent, cancellationToken), metrics, viaPeer: true);
        }
    }

    /// <summary>A claimed Data call of one of this edge's own connections, its connector having opened the origin.</summary>
    public async Task<IDataCall> OpenLocalAsync(string tunnelId, string ingressVersion, int rule, string service, string traceparent, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.StreamWait + options.Value.OriginOpenTimeout);
        var failures = 0;
        while (true)
        {
            var call = await ClaimAsync(tunnelId, ingressVersion, cancellationToken);
            try
            {
                await call.Writer.WriteAsync(new DataFrame { Open = new OpenStream { Service = service, Rule = rule, Traceparent = traceparent } }, deadline.Token);
                if (!await call.Reader.MoveNext(deadline.Token))
                {
                    throw new IOException("the connector closed the data stream before answering");
                }

                var result = call.Reader.Current.Result;
                if (result is null)
                {
                    throw new IOException($"the connector answered {call.Reader.Current.KindCase} instead of an open result");
                }

                if (!result.Ok)
                {
                    call.Complete();
                    metrics.StreamOpened(ErrorCodes.OriginUnreachable);
                    throw new OriginUnreachableException(result.Error);
                }

                metrics.StreamOpened("ok");
                return call;
            }
            catch (Exception ex) when (ex is IOException or RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                // The call died under us (connector restarting, connection dropped): try another one.
                call.Complete();
                // Once the tunnel has no connection left, the next claim says so ("no connector online").
                if (++failures >= MaxAttempts && !registry.ConnectionsFor(tunnelId).IsEmpty)
                {
                    throw new TunnelUnavailableException($"the tunnel's connectors failed {failures} times to open a stream: {ex.Message}");
                }

                logger.LogDebug("Data stream for tunnel {Tunnel} failed to open ({Error}); retrying", tunnelId, ex.Message);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                call.Complete();
                throw new OriginUnreachableException($"the connector did not answer within {options.Value.OriginOpenTimeout.TotalSeconds:0} s while dialing {service}");
            }
        }
    }

    private async Task<ParkedDataCall> ClaimAsync(string tunnelId, string ingressVersion, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(options.Value.StreamWait);
        while (true)
        {
            var parked = registry.NextParkedAsync(tunnelId); // before looking, so a call parked or a connection lost meanwhile is not missed
            var all = registry.ConnectionsFor(tunnelId);
            // Only connections that serve the rules this request was routed by: a connector that refused them would
            // answer with other rules (or none).
            var connections = all.All(c => c.Served?.Version == ingressVersion) ? all : all.Where(c => c.Served?.Version == ingressVersion).ToImmutableArray();
            if (all.IsEmpty)
            {
                metrics.StreamOpened(ErrorCodes.NoConnector);
                throw new TunnelUnavailableException("no connector of it is online");
            }

            if (connections.IsEmpty)
            {
                metrics.StreamOpened(ErrorCodes.NoConnector);
                throw new TunnelUnavailableException("its connectors moved to other ingress rules meanwhile; retry");
            }

            var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)connections.Length);
            for (var i = 0; i < connections.Length; i++)
            {
                var connection = connections[(start + i) % connections.Length];
                if (connection.TryTake() is { } call)
                {
                    call.Served = (options.Value.Id, connection.ConnectorId);
                    return call;
                }
            }

            foreach (var connection in connections)
            {
                connection.RequestStreams(8);
            }

            try
            {
                await parked.WaitAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TunnelUnavailableException(
                    $"{connections.Length} connector connection(s) online, but none offered a data stream within {options.Value.StreamWait.TotalSeconds:0} s");
            }
        }
    }
}
