namespace Tunnel.Edge.Inspection;

/// <summary>A body's first bytes up to the tunnel's limit, and its true size (what went by, kept or not).</summary>
public sealed class CaptureBuffer(int limit)
{
    private byte[] _bytes = [];

    public long Size { get; private set; }

    public int Kept { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        Size += data.Length;
        var take = Math.Min(data.Length, limit - Kept);
        if (take <= 0)
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
}
