using Grpc.Core;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Connectors;

/// <summary>
/// A Data call the connector opened and the edge holds until a request needs an upstream connection.
/// The gRPC handler waits on <see cref="Completion"/>; returning from it ends the call.
/// </summary>
public sealed class ParkedDataCall(IAsyncStreamReader<DataFrame> reader, IServerStreamWriter<DataFrame> writer, CancellationToken callAborted) : IDataCall
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _claimed;

    public IAsyncStreamReader<DataFrame> Reader { get; } = reader;
    public IServerStreamWriter<DataFrame> Writer { get; } = writer;
    IAsyncStreamWriter<DataFrame> IDataCall.Writer => Writer;
    public CancellationToken CallAborted { get; } = callAborted;
    /// <summary>Set by the dialer when it claims the call.</summary>
    public (string EdgeId, string ConnectorId) Served { get; set; } = ("", "");
    public Task Completion => _done.Task;

    /// <summary>Claims the call for one upstream connection; false when it is gone or already taken.</summary>
    public bool TryClaim() => !CallAborted.IsCancellationRequested && Interlocked.Exchange(ref _claimed, 1) == 0;

    public void Complete() => _done.TrySetResult();

    /// <summary>Ends the call unless a request holds it (the connection is closing: streams in flight go on).</summary>
    public void CompleteIfUnclaimed()
    {
        if (Interlocked.CompareExchange(ref _claimed, 1, 0) == 0)
        {
            _done.TrySetResult();
        }
    }
}
