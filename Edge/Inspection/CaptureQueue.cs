using System.Threading.Channels;

namespace Tunnel.Edge.Inspection;

/// <summary>
/// Where finished captures wait for <see cref="CaptureReporter"/>: bounded by count and by bytes, and never waited
/// on: when full, the capture is dropped and counted (reported to the control plane and as a metric).
/// </summary>
public sealed class CaptureQueue
{
    public const int MaxCount = 2048;
    public const long MaxBytes = 64L * 1024 * 1024;

    private readonly Channel<CaptureScope> _channel = Channel.CreateBounded<CaptureScope>(new BoundedChannelOptions(MaxCount)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false rather than dropping silently
    });

    private long _bytes;
    private long _dropped;

    public ChannelReader<CaptureScope> Reader => _channel.Reader;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Add(CaptureScope capture)
    {
        var weight = capture.Weight;
        if (Interlocked.Add(ref _bytes, weight) > MaxBytes || !_channel.Writer.TryWrite(capture))
        {
            Interlocked.Add(ref _bytes, -weight);
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>The reporter took it off the queue.</summary>
    public void Taken(CaptureScope capture) => Interlocked.Add(ref _bytes, -capture.Weight);

    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);
}
