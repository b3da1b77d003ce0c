namespace Tunnel.Edge.Inspection;

/// <summary>
/// The body bytes all captures in flight at this edge may hold together: many slow, large requests cannot pin more
/// than this; past it a capture keeps only sizes (and shows as cut). Finished captures count against the queue's own
/// budget (<see cref="CaptureQueue"/>).
/// </summary>
public sealed class CaptureMemory
{
    public const long MaxBytes = 128L * 1024 * 1024;
    private long _reserved;

    /// <summary>How many of <paramref name="bytes"/> may be kept (all, some or none).</summary>
    public int Reserve(int bytes)
    {
        while (true)
        {
            var now = Interlocked.Read(ref _reserved);
            var granted = (int)Math.Min(bytes, MaxBytes - now);
            if (granted <= 0)
            {
                return 0;
            }

            if (Interlocked.CompareExchange(ref _reserved, now + granted, now) == now)
            {
                return granted;
            }
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _reserved, -bytes);
}
