namespace Tunnel.Edge.Inspection;

/// <summary>
/// A body's first bytes up to the tunnel's limit, and its true size (what went by, kept or not). The bytes are taken
/// from the edge's budget for captures in flight (<see cref="CaptureMemory"/>): when it is spent, no more are kept.
/// </summary>
public sealed class CaptureBuffer(int limit, CaptureMemory? memory = null)
{
    private byte[] _bytes = [];

    public long Size { get; private set; }

    public int Kept { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        Size += data.Length;
        var take = Math.Min(data.Length, limit - Kept);
        if (take <= 0 || (memory is not null && (take = memory.Reserve(take)) == 0))
        {
            return;
        }

        if (Kept + take > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Min(limit, Math.Max(Kept + take, Math.Max(4096, _bytes.Length * 2))));
        }

        data[..take].CopyTo(_bytes.AsSpan(Kept));
        Kept += take;
    }

    /// <summary>Bytes that went by without being seen (a file the server sent itself).</summary>
    public void Skipped(long bytes) => Size += bytes;

    public byte[] ToArray() => _bytes.AsSpan(0, Kept).ToArray();

    /// <summary>Gives the kept bytes back to the in-flight budget (the queue accounts for them from here).</summary>
    public void Release() => memory?.Release(Kept);
}
