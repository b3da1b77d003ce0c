namespace Tunnel.Edge.Traffic;

/// <summary>
/// A request or response body, or an upgraded session's stream, that counts the bytes through it each way, for the
/// traffic charts. Each way has its own counter: an upgraded session reads and writes at once, from two loops.
/// </summary>
public sealed class CountingStream(Stream inner, bool ownsInner = false) : Stream
{
    public long BytesRead { get; private set; }
    public long BytesWritten { get; private set; }
    public long Bytes => BytesRead + BytesWritten;

    /// <summary>Bytes that went by another way (a file sent by the server itself).</summary>
    public void Add(long bytes) => BytesWritten += bytes;

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        BytesWritten += count;
        inner.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        BytesWritten += buffer.Length; // counted as handed over: no async state machine per write
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsInner)
        {
            inner.Dispose(); // an upgraded session's stream is closed through this one
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => ownsInner ? inner.DisposeAsync() : ValueTask.CompletedTask;

    private int Counted(int read)
    {
        BytesRead += read;
        return read;
    }
}
