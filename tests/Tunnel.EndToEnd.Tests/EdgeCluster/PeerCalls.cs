using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Tunnel.EndToEnd.Tests.Infrastructure;
using Tunnel.Shared.Protocol;

namespace Tunnel.EndToEnd.Tests.EdgeCluster;

/// <summary>What the edge-cluster tests ask of a stack: peer calls made as an edge would, and where connections are.</summary>
public static class PeerCalls
{
    /// <summary>Opens a peer call with the given headers and first frame; "ok", or the failure (status code first).</summary>
    public static async Task<string> OpenAsync(TunnelStack stack, int port, Metadata headers, OpenStream open)
    {
        using var channel = GrpcChannel.ForAddress($"https://localhost:{port}", new GrpcChannelOptions { HttpHandler = TunnelStack.LoopbackHandler(stack.EdgeCa) });
        try
        {
            using var call = new EdgePeer.EdgePeerClient(channel).Open(headers, deadline: DateTime.UtcNow.AddSeconds(25));
            try
            {
                await call.RequestStream.WriteAsync(new DataFrame { Open = open });
            }
            catch (RpcException)
            {
                // The peer answered (a refusal) and reset the stream before the frame went out: its status follows.
            }

            if (!await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                return "closed";
            }

            var result = call.ResponseStream.Current.Result;
            return result.Ok ? "ok" : $"{result.Code}: {result.Error}";
        }
        catch (RpcException ex)
        {
            return $"{ex.StatusCode}: {ex.Status.Detail}";
        }
    }

    /// <summary>The edge of each live connection of the tunnel.</summary>
    public static async Task<List<string>> ConnectionEdgesAsync(TunnelStack stack, string tunnel)
    {
        var list = await stack.Api.GetFromJsonAsync<JsonElement>($"api/tunnels/{tunnel}/connections");
        var items = list.ValueKind == JsonValueKind.Array ? list : list.GetProperty("items");
        return items.EnumerateArray().Select(c => c.GetProperty("edgeId").GetString()!).ToList();
    }
}
