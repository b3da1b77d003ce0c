using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Tunnel.Edge.Traffic;

/// <summary>
/// The response body, counted: the same stream, writer and operations as the server's own (start, complete, send
/// file, disable buffering all go to it), so a proxied gRPC call still ends (END_STREAM, trailers) the moment YARP
/// completes the response, not when the pipeline unwinds.
/// </summary>
public sealed class CountingResponseBody(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
{
    private readonly CountingStream _stream = new(inner.Stream);
    private CountingPipeWriter? _writer;

    public long Bytes => _stream.Bytes + (_writer?.Bytes ?? 0);

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer ??= new CountingPipeWriter(inner.Writer);

    public IHttpResponseBodyFeature Inner => inner;

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    public void DisableBuffering() => inner.DisableBuffering();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        await inner.SendFileAsync(path, offset, count, cancellationToken);
        _stream.Add(count ?? (new FileInfo(path).Length - offset));
    }

    private sealed class CountingPipeWriter(PipeWriter inner) : PipeWriter
    {
        public long Bytes { get; private set; }

        public override void Advance(int bytes)
        {
            Bytes += bytes;
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
