using Grpc.Core;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Peering;

/// <summary>
/// Takes a peer edge's request for a tunnel stream and splices it onto a Data call parked here by one of the
/// tunnel's connectors. Only this edge's own connections are used: a request never travels a second peer hop.
/// </summary>
public sealed class EdgePeerGrpcService(PeerKey key, TunnelDialer dialer, Telemetry.EdgeMetrics metrics, ILogger<EdgePeerGrpcService> logger) : EdgePeer.EdgePeerBase
{
    public override async Task Open(IAsyncStreamReader<DataFrame> requestStream, IServerStreamWriter<DataFrame> responseStream, ServerCallContext context)
    {
        key.Authorize(context);
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.Open is not { TunnelId.Length: > 0 } open)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first frame of a peer call must be an OpenStream naming the tunnel"));
        }

        Connectors.IDataCall call;
        try
        {
            call = await dialer.OpenLocalAsync(open.TunnelId, open.IngressVersion, open.Rule, open.Service, open.Traceparent, ct);
        }
        catch (TunnelUnavailableException ex)
        {
            await responseStream.WriteAsync(Failed(ErrorCodes.NoConnector, ex.Message), ct);
            return;
        }
        catch (OriginUnreachableException ex)
        {
            await responseStream.WriteAsync(Failed(ErrorCodes.OriginUnreachable, ex.Message), ct);
            return;
        }

        metrics.PeerStreamServed();
        // The read of the asking edge's side must be over before this handler returns: Kestrel reuses a finished
        // HTTP/2 stream, and a read left pending on it would fail the next call that stream carries ("Reading is
        // already in progress"), which the asking edge would see as a failed peer.
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task toConnector = Task.CompletedTask;
        try
        {
            await responseStream.WriteAsync(new DataFrame { Result = new OpenResult { Ok = true, EdgeId = call.Served.EdgeId, ConnectorId = call.Served.ConnectorId } }, ct);
            // Frames pass as they are, both ways; the asking edge ending its call ends the connector's.
            toConnector = CopyAsync(requestStream, call.Writer, stopReading.Token);
            var fromConnector = CopyAsync(call.Reader, responseStream, ct);
            await Task.WhenAny(toConnector, fromConnector);
            if (!fromConnector.IsCompleted)
            {
                await toConnector; // the asking edge ended or broke its side first
            }

            await fromConnector;
        }
        catch (Exception ex) when (ex is IOException or RpcException or OperationCanceledException or InvalidOperationException)
        {
            logger.LogDebug("Peer stream for tunnel {Tunnel} ended: {Error}", open.TunnelId, ex.Message);
            if (!ct.IsCancellationRequested)
            {
                throw new RpcException(new Status(StatusCode.Aborted, "the connector's data stream broke"));
            }
        }
        finally
        {
            // The connector closed (or broke) its side first: the asking edge's side is done with; stop reading it.
            await stopReading.CancelAsync();
            await toConnector.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            call.Complete();
        }
    }

    private static DataFrame Failed(string code, string error) => new() { Result = new OpenResult { Ok = false, Code = code, Error = error } };

    private static async Task CopyAsync(IAsyncStreamReader<DataFrame> from, IAsyncStreamWriter<DataFrame> to, CancellationToken ct)
    {
        while (await from.MoveNext(ct))
        {
            await to.WriteAsync(from.Current, ct);
        }
    }
}
