using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Tunnel.Edge.Inspection;

/// <summary>
/// The response body with its first bytes kept for the inspector: every operation goes to the server's feature (as
/// <see cref="Traffic.CountingResponseBody"/> does), and the bytes written are copied as far as the limit.
/// </summary>
public sealed class CapturingResponseBody(IHttpResponseBodyFeature inner, CaptureBuffer into) : IHttpResponseBodyFeature
{
    private Stream? _stream;
    private TeeWriter? _writer;

    public Stream Stream => _stream ??= new Tee(inner.Stream, into);

    public PipeWriter Writer => _writer ??= new TeeWriter(inner.Writer, into);

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    public void DisableBuffering() => inner.DisableBuffering();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await inner.SendFileAsync(path, offset, count, cancellationToken);
        into.Skipped(count ?? (new FileInfo(path).Length - offset));
    }

    private sealed class Tee(Stream inner, CaptureBuffer into) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            into.Append(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            into.Append(buffer.Span);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Copies what is advanced: the memory handed out last is what the caller wrote into.</summary>
    private sealed class TeeWriter(PipeWriter inner, CaptureBuffer into) : PipeWriter
    {
        private Memory<byte> _last;

        public override void Advance(int bytes)
        {
            into.Append(_last.Span[..bytes]);
            _last = default;
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
