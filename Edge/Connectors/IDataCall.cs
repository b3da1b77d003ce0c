using Grpc.Core;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Connectors;

/// <summary>
/// A claimed tunnel stream's frames: a Data call parked by a connector on this edge, or an edge-to-edge call to a
/// peer that splices onto one parked there. <see cref="TunnelStream"/> reads and writes either alike.
/// </summary>
public interface IDataCall
{
    IAsyncStreamReader<DataFrame> Reader { get; }
    IAsyncStreamWriter<DataFrame> Writer { get; }

    /// <summary>Which edge holds the connector connection, and which connector replica opened the stream (the traffic inspector shows them).</summary>
    (string EdgeId, string ConnectorId) Served { get; }

    /// <summary>Ends the call, which makes the connector close the origin socket.</summary>
    void Complete();
}
