using Grpc.Core;
using Tunnel.Edge.Connectors;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Peering;

/// <summary>A tunnel stream through a peer edge: the edge-to-edge call, read and written like a local Data call.</summary>
public sealed class PeerDataCall(AsyncDuplexStreamingCall<DataFrame, DataFrame> call, (string EdgeId, string ConnectorId) served) : IDataCall
{
    public (string EdgeId, string ConnectorId) Served => served;

    public IAsyncStreamReader<DataFrame> Reader => call.ResponseStream;
    public IAsyncStreamWriter<DataFrame> Writer => call.RequestStream;

    /// <summary>Cancels the call: the peer then ends its connector's Data call.</summary>
    public void Complete() => call.Dispose();
}
