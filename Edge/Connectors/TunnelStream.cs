using Google.Protobuf;
using Grpc.Core;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Connectors;

/// <summary>
/// One upstream connection to an origin, as the proxy's HTTP client sees it: a duplex byte stream over a
/// claimed Data call (on this edge or through a peer edge). Disposing it ends the call, which makes the connector close the origin socket.
/// </summary>
public sealed class TunnelStream : Stream
{
    private readonly IDataCall _call;
    private readonly Telemetry.EdgeMetrics _metrics;
    private readonly bool _viaPeer;

    private ReadOnlyMemory<byte> _pending;
    private bool _eof;
    private int _disposed;

    public TunnelStream(IDataCall call, Telemetry.EdgeMetrics metrics, bool viaPeer)
    {
        _call = call;
        _metrics = metrics;
        _viaPeer = viaPeer;
        metrics.StreamActive(1);
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pending.IsEmpty)
        {
            if (_eof || !await MoveNextAsync(cancellationToken))
            {
                return 0;
            }

            var frame = _call.Reader.Current;
            if (frame.KindCase != DataFrame.KindOneofCase.Data)
            {
                throw new IOException($"connector sent an unexpected {frame.KindCase} frame on an open stream");
            }

            _pending = frame.Data.Memory;
            _metrics.FromOrigin(_pending.Length, _viaPeer);
            if (buffer.IsEmpty)
            {
                return 0; // zero-byte read: data is available now
            }
        }

        var n = Math.Min(buffer.Length, _pending.Length);
        _pending[..n].CopyTo(buffer);
        _pending = _pending[n..];
        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A captured request's headers are written from its own flow: that tells the inspector which replica served it.
        Inspection.CaptureScope.Current?.ServedBy(_call.Served);
        try
        {
            while (!buffer.IsEmpty)
            {
                var n = Math.Min(buffer.Length, TunnelHeaders.MaxFrameBytes);
                // Safe to wrap without copying: the frame is serialized before WriteAsync completes.
                await _call.Writer.WriteAsync(new DataFrame { Data = UnsafeByteOperations.UnsafeWrap(buffer[..n]) }, cancellationToken);
                buffer = buffer[n..];
                _metrics.ToOrigin(n, _viaPeer);
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            throw new IOException("the connector's data stream closed", ex);
        }
    }

    private async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await _call.Reader.MoveNext(cancellationToken))
            {
                return true;
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            throw new IOException("the connector's data stream broke", ex);
        }

        _eof = true;
        return false;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _call.Complete();
            _metrics.StreamActive(-1);
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
