using Grpc.Core;
using Tunnel.DemoOrigin.Grpc;

namespace Tunnel.DemoOrigin;

/// <summary>Unary, server-streaming and bidirectional echoes; "fail" asks for an error status, and every call sets a trailer.</summary>
public sealed class EchoService : Echo.EchoBase
{
    public override Task<EchoMessage> Unary(EchoMessage request, ServerCallContext context)
    {
        context.ResponseTrailers.Add("echo-trailer", "unary");
        if (request.Text == "pose-as-edge")
        {
            // The edge's own error headers, as trailers: the edge must not pass them on.
            context.ResponseTrailers.Add("x-tunnel-error", "no_connector");
            context.ResponseTrailers.Add("x-tunnel-error-detail", "written by the origin");
        }
        if (request.Text == "fail")
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "asked to fail"));
        }

        return Task.FromResult(new EchoMessage { Text = request.Text });
    }

    public override async Task ServerStream(EchoMessage request, IServerStreamWriter<EchoMessage> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(new EchoMessage { Text = request.Text, Count = i }, context.CancellationToken);
        }

        context.ResponseTrailers.Add("echo-trailer", "stream");
    }

    public override async Task Bidi(IAsyncStreamReader<EchoMessage> requestStream, IServerStreamWriter<EchoMessage> responseStream, ServerCallContext context)
    {
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new EchoMessage { Text = message.Text.ToUpperInvariant(), Count = message.Count }, context.CancellationToken);
        }
    }
}
