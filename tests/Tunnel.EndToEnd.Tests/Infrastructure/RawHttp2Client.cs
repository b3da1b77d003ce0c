using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// What <see cref="RawHttp2Client"/> got back on stream 1. Headers are every field of every header block of the
/// stream in arrival order (pseudo-headers such as :status included; trailers last), decoded as Latin-1, one char
/// per byte, so whatever bytes the server sent can be checked.
/// </summary>
public sealed record RawHttp2Response(int? Status, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body, long? ResetErrorCode, long? GoAwayErrorCode)
{
    /// <summary>The timeout elapsed before the stream ended: the response is what had arrived by then.</summary>
    public bool TimedOut { get; init; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The first header of that name (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (var (n, v) in Headers)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        return null;
    }
}

/// <summary>
/// A minimal HTTP/2 client for attack tests: it sends the header fields exactly as given (names, values, order,
/// pseudo-headers, nothing validated or lowercased), which HttpClient would normalize or refuse. One request on
/// stream 1 of a fresh TLS connection (ALPN h2); it answers SETTINGS and PING and keeps the flow-control windows
/// open while it reads the response.
/// </summary>
public static class RawHttp2Client
{
    /// <summary>
    /// Sends one request to 127.0.0.1:port and reads the response until stream 1 ends, is reset, the connection is
    /// closed or goes away, or the timeout (10 s by default) elapses. Header names and values are sent as Latin-1
    /// bytes (a char U+0000–U+00FF is that one byte), or as UTF-8 when a string holds a char above U+00FF.
    /// A failed connect or TLS handshake throws; so does a server that does not negotiate h2.
    /// </summary>
    public static async Task<RawHttp2Response> SendAsync(int port, string sniHost, IReadOnlyList<(string Name, string Value)> headers,
        byte[]? body = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        using var deadline = new CancellationTokenSource(limit);
        TimeoutException TooSlow() => new($"connecting to 127.0.0.1:{port} (TLS, SNI {sniHost}) took longer than {limit}");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw TooSlow();
        }

        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = sniHost,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw TooSlow();
        }

        if (tls.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2)
        {
            throw new IOException($"127.0.0.1:{port} did not negotiate h2 by ALPN (got '{tls.NegotiatedApplicationProtocol}')");
        }

        return await new Exchange(tls).RunAsync(headers, body, deadline.Token);
    }

    /// <summary>Header block of "literal header field without indexing — new name" entries (RFC 7541 §6.2.2), no Huffman.</summary>
    internal static byte[] EncodeHeaderBlock(IReadOnlyList<(string Name, string Value)> headers)
    {
        var block = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            block.WriteByte(0x00);
            WriteString(block, name);
            WriteString(block, value);
        }

        return block.ToArray();
    }

    private static void WriteString(MemoryStream block, string text)
    {
        var bytes = text.All(c => c <= '\u00ff') ? Encoding.Latin1.GetBytes(text) : Encoding.UTF8.GetBytes(text);
        Hpack.WriteInteger(block, bytes.Length, 7, 0x00); // H = 0: not Huffman-coded
        block.Write(bytes);
    }

    private sealed class Exchange(SslStream stream)
    {
        private const int MaxFrame = 16_384; // SETTINGS_MAX_FRAME_SIZE's initial value: every peer takes it
        private const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
        private const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, Priority = 0x20;

        private readonly HpackDecoder _decoder = new();
        private readonly List<(string Name, string Value)> _headers = [];
        private readonly MemoryStream _body = new();
        private readonly byte[] _frameHeader = new byte[9];
        private MemoryStream? _pendingBlock; // a header block waiting for its CONTINUATION frames
        private int _pendingStream;
        private bool _pendingEndStream;
        private long _connectionWindow = 65_535, _streamWindow = 65_535;
        private int _peerInitialWindow = 65_535;
        private int? _status;
        private long? _resetCode, _goAwayCode;
        private bool _done;

        public async Task<RawHttp2Response> RunAsync(IReadOnlyList<(string Name, string Value)> headers, byte[]? body, CancellationToken ct)
        {
            var timedOut = false;
            try
            {
                var preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
                await stream.WriteAsync(preface, ct);
                await WriteFrameAsync(Settings, 0, 0, new byte[] { 0x00, 0x02, 0, 0, 0, 0 }, ct); // SETTINGS_ENABLE_PUSH = 0

                // One HEADERS frame; a block larger than a frame goes on in CONTINUATION frames.
                var block = EncodeHeaderBlock(headers);
                var first = Math.Min(block.Length, MaxFrame);
                var flags = (byte)((body is null ? EndStream : 0) | (first == block.Length ? EndHeaders : 0));
                await WriteFrameAsync(Headers, flags, 1, block.AsMemory(0, first), ct);
                for (var offset = first; offset < block.Length; offset += MaxFrame)
                {
                    var length = Math.Min(MaxFrame, block.Length - offset);
                    await WriteFrameAsync(Continuation, offset + length == block.Length ? EndHeaders : (byte)0, 1, block.AsMemory(offset, length), ct);
                }

                if (body is not null)
                {
                    await SendBodyAsync(body, ct);
                }

                while (!_done && await ReadFrameAsync(ct) is { } frame)
                {
                    await HandleAsync(frame.Type, frame.Flags, frame.Stream, frame.Payload, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                timedOut = true;
            }
            catch (IOException)
            {
                // The server closed or reset the connection: the response is what arrived before.
            }

            return new RawHttp2Response(_status, _headers.ToArray(), _body.ToArray(), _resetCode, _goAwayCode) { TimedOut = timedOut };
        }

        /// <summary>DATA frames within the server's flow-control windows, reading its frames whenever they are shut.</summary>
        private async Task SendBodyAsync(byte[] body, CancellationToken ct)
        {
            var offset = 0;
            do
            {
                var window = (int)Math.Min(Math.Min(_connectionWindow, _streamWindow), MaxFrame);
                var length = Math.Min(body.Length - offset, Math.Max(window, 0));
                if (length == 0 && offset < body.Length)
                {
                    if (await ReadFrameAsync(ct) is not { } frame)
                    {
                        _done = true;
                        return;
                    }

                    await HandleAsync(frame.Type, frame.Flags, frame.Stream, frame.Payload, ct);
                    continue;
                }

                var last = offset + length == body.Length;
                await WriteFrameAsync(Data, last ? EndStream : (byte)0, 1, body.AsMemory(offset, length), ct);
                (_connectionWindow, _streamWindow, offset) = (_connectionWindow - length, _streamWindow - length, offset + length);
                if (last)
                {
                    return;
                }
            }
            while (!_done); // the server answered (or reset) before taking the whole body
        }

        private async Task HandleAsync(byte type, byte flags, int streamId, byte[] payload, CancellationToken ct)
        {
            switch (type)
            {
                case Data:
                {
                    var data = Unpad(payload, flags);
                    if (payload.Length > 0)
                    {
                        // Hand the window back at once so large bodies never stall.
                        await WriteWindowUpdateAsync(0, payload.Length, ct);
                        if (streamId == 1 && (flags & EndStream) == 0)
                        {
                            await WriteWindowUpdateAsync(1, payload.Length, ct);
                        }
                    }

                    if (streamId == 1)
                    {
                        _body.Write(data);
                        _done |= (flags & EndStream) != 0;
                    }

                    break;
                }

                case Headers:
                {
                    var fragment = Unpad(payload, flags);
                    if ((flags & Priority) != 0)
                    {
                        fragment = fragment[5..]; // stream dependency (4) and weight (1)
                    }

                    _pendingBlock = new MemoryStream();
                    _pendingBlock.Write(fragment);
                    (_pendingStream, _pendingEndStream) = (streamId, (flags & EndStream) != 0);
                    if ((flags & EndHeaders) != 0)
                    {
                        EndHeaderBlock();
                    }

                    break;
                }

                case Continuation when _pendingBlock is not null:
                    _pendingBlock.Write(payload);
                    if ((flags & EndHeaders) != 0)
                    {
                        EndHeaderBlock();
                    }

                    break;

                case RstStream when streamId == 1 && payload.Length >= 4:
                    _resetCode = BinaryPrimitives.ReadUInt32BigEndian(payload);
                    _done = true;
                    break;

                case Settings when (flags & Ack) == 0:
                    for (var i = 0; i + 6 <= payload.Length; i += 6)
                    {
                        if (BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i)) == 0x4) // SETTINGS_INITIAL_WINDOW_SIZE
                        {
                            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
                            _streamWindow += size - _peerInitialWindow;
                            _peerInitialWindow = size;
                        }
                    }

                    await WriteFrameAsync(Settings, Ack, 0, ReadOnlyMemory<byte>.Empty, ct);
                    break;

                case Ping when (flags & Ack) == 0:
                    await WriteFrameAsync(Ping, Ack, 0, payload, ct);
                    break;

                case GoAway when payload.Length >= 8:
                    _goAwayCode = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4));
                    // Stream 1 may still be answered if the server says it will process it; otherwise it never will.
                    _done |= (BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fff_ffff) < 1;
                    break;

                case WindowUpdate when payload.Length >= 4:
                    var increment = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7fff_ffff;
                    if (streamId == 0)
                    {
                        _connectionWindow += increment;
                    }
                    else if (streamId == 1)
                    {
                        _streamWindow += increment;
                    }

                    break;
            }
        }

        private void EndHeaderBlock()
        {
            var fields = _decoder.Decode(_pendingBlock!.ToArray()); // decoded for every stream: the table is the connection's
            _pendingBlock = null;
            if (_pendingStream != 1)
            {
                return;
            }

            foreach (var (name, value) in fields)
            {
                if (name == ":status" && int.TryParse(value, out var status))
                {
                    _status = status;
                }

                _headers.Add((name, value));
            }

            _done |= _pendingEndStream;
        }

        private static byte[] Unpad(byte[] payload, byte flags)
        {
            if ((flags & Padded) == 0)
            {
                return payload;
            }

            var padding = payload.Length > 0 ? payload[0] : 0;
            return payload.Length >= 1 + padding ? payload[1..^padding] : throw new InvalidDataException("padding longer than the frame");
        }

        private async Task<(byte Type, byte Flags, int Stream, byte[] Payload)?> ReadFrameAsync(CancellationToken ct)
        {
            if (await stream.ReadAtLeastAsync(_frameHeader, _frameHeader.Length, throwOnEndOfStream: false, ct) < _frameHeader.Length)
            {
                return null; // the connection closed
            }

            var length = (_frameHeader[0] << 16) | (_frameHeader[1] << 8) | _frameHeader[2];
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, ct);
            return (_frameHeader[3], _frameHeader[4], (int)(BinaryPrimitives.ReadUInt32BigEndian(_frameHeader.AsSpan(5)) & 0x7fff_ffff), payload);
        }

        private Task WriteWindowUpdateAsync(int streamId, int increment, CancellationToken ct)
        {
            var payload = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
            return WriteFrameAsync(WindowUpdate, 0, streamId, payload, ct);
        }

        private async Task WriteFrameAsync(byte type, byte flags, int streamId, ReadOnlyMemory<byte> payload, CancellationToken ct)
        {
            var frame = new byte[9 + payload.Length];
            (frame[0], frame[1], frame[2]) = ((byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length);
            (frame[3], frame[4]) = (type, flags);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)streamId);
            payload.Span.CopyTo(frame.AsSpan(9));
            await stream.WriteAsync(frame, ct);
            await stream.FlushAsync(ct);
        }
    }
}

/// <summary>
/// An HPACK decoder (RFC 7541): static and dynamic table, size updates and eviction, every field representation,
/// Huffman-coded strings. Strings decode as Latin-1 (one char per byte).
/// </summary>
internal sealed class HpackDecoder(int maxTableSize = 4096)
{
    private readonly LinkedList<(string Name, string Value)> _dynamic = []; // newest first: index 62 is First
    private int _maxSize = maxTableSize;

    /// <summary>The dynamic table, newest entry first.</summary>
    public IReadOnlyCollection<(string Name, string Value)> DynamicTable => _dynamic;

    /// <summary>The dynamic table's size as RFC 7541 §4.1 counts it (name + value + 32 per entry).</summary>
    public int TableSize { get; private set; }

    public List<(string Name, string Value)> Decode(ReadOnlySpan<byte> block)
    {
        var fields = new List<(string Name, string Value)>();
        var pos = 0;
        while (pos < block.Length)
        {
            var b = block[pos];
            if ((b & 0x80) != 0) // indexed header field
            {
                fields.Add(Entry(Hpack.ReadInteger(block, ref pos, 7)));
            }
            else if ((b & 0x40) != 0) // literal with incremental indexing
            {
                var field = ReadLiteral(block, ref pos, 6);
                fields.Add(field);
                Add(field);
            }
            else if ((b & 0x20) != 0) // dynamic table size update
            {
                _maxSize = Hpack.ReadInteger(block, ref pos, 5);
                Evict(0);
            }
            else // literal without indexing (0000) or never indexed (0001)
            {
                fields.Add(ReadLiteral(block, ref pos, 4));
            }
        }

        return fields;
    }

    private (string Name, string Value) ReadLiteral(ReadOnlySpan<byte> block, ref int pos, int prefixBits)
    {
        var index = Hpack.ReadInteger(block, ref pos, prefixBits);
        var name = index == 0 ? ReadString(block, ref pos) : Entry(index).Name;
        return (name, ReadString(block, ref pos));
    }

    private static string ReadString(ReadOnlySpan<byte> block, ref int pos)
    {
        if (pos >= block.Length)
        {
            throw new InvalidDataException("HPACK: header block ends inside a field");
        }

        var huffman = (block[pos] & 0x80) != 0;
        var length = Hpack.ReadInteger(block, ref pos, 7);
        if (length > block.Length - pos)
        {
            throw new InvalidDataException($"HPACK: a {length}-byte string overruns the header block");
        }

        var bytes = block.Slice(pos, length);
        pos += length;
        return Encoding.Latin1.GetString(huffman ? Hpack.HuffmanDecode(bytes) : bytes);
    }

    private (string Name, string Value) Entry(int index)
    {
        if (index >= 1 && index <= Hpack.StaticTable.Length)
        {
            return Hpack.StaticTable[index - 1];
        }

        var dynamicIndex = index - Hpack.StaticTable.Length - 1;
        if (index < 1 || dynamicIndex >= _dynamic.Count)
        {
            throw new InvalidDataException($"HPACK: index {index} is in neither table ({_dynamic.Count} dynamic entries)");
        }

        return _dynamic.ElementAt(dynamicIndex);
    }

    private void Add((string Name, string Value) field)
    {
        var size = field.Name.Length + field.Value.Length + 32;
        Evict(size);
        if (size <= _maxSize) // a larger entry empties the table and is not added (§4.4)
        {
            _dynamic.AddFirst(field);
            TableSize += size;
        }
    }

    private void Evict(int room)
    {
        while (_dynamic.Count > 0 && TableSize + room > _maxSize)
        {
            var oldest = _dynamic.Last!.Value;
            TableSize -= oldest.Name.Length + oldest.Value.Length + 32;
            _dynamic.RemoveLast();
        }
    }
}

/// <summary>HPACK primitives (RFC 7541): prefixed integers (§5.1), the static table (Appendix A), the Huffman code (Appendix B).</summary>
internal static class Hpack
{
    public static void WriteInteger(Stream output, int value, int prefixBits, byte firstByteFlags)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            output.WriteByte((byte)(firstByteFlags | value));
            return;
        }

        output.WriteByte((byte)(firstByteFlags | max));
        for (value -= max; value >= 0x80; value >>= 7)
        {
            output.WriteByte((byte)(0x80 | (value & 0x7f)));
        }

        output.WriteByte((byte)value);
    }

    public static int ReadInteger(ReadOnlySpan<byte> block, ref int pos, int prefixBits)
    {
        var max = (1 << prefixBits) - 1;
        long value = block[pos++] & max;
        if (value < max)
        {
            return (int)value;
        }

        for (var shift = 0; ; shift += 7)
        {
            if (pos >= block.Length || shift > 28)
            {
                throw new InvalidDataException("HPACK: truncated or oversized integer");
            }

            var b = block[pos++];
            value += (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value <= int.MaxValue ? (int)value : throw new InvalidDataException("HPACK: integer too large");
            }
        }
    }

    public static byte[] HuffmanDecode(ReadOnlySpan<byte> input)
    {
        var output = new List<byte>(input.Length * 8 / 5);
        uint code = 0;
        var length = 0;
        foreach (var b in input)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                code = (code << 1) | (uint)((b >> bit) & 1);
                if (++length > 30)
                {
                    throw new InvalidDataException("HPACK: invalid Huffman code");
                }

                if (HuffmanSymbols.TryGetValue(((ulong)length << 32) | code, out var symbol))
                {
                    if (symbol == 256)
                    {
                        throw new InvalidDataException("HPACK: EOS in a Huffman-coded string");
                    }

                    output.Add((byte)symbol);
                    (code, length) = (0, 0);
                }
            }
        }

        // Padding: fewer than 8 bits, all ones (the most significant bits of EOS).
        if (length > 7 || code != (1u << length) - 1)
        {
            throw new InvalidDataException("HPACK: invalid Huffman padding");
        }

        return [.. output];
    }

    /// <summary>RFC 7541 Appendix B: each symbol's code (right-aligned) and length in bits; symbol 256 is EOS.</summary>
    public static readonly (uint Code, int Bits)[] HuffmanCodes =
    [
        (0x1ff8, 13), (0x7fffd8, 23), (0xfffffe2, 28), (0xfffffe3, 28), (0xfffffe4, 28), (0xfffffe5, 28), // 0
        (0xfffffe6, 28), (0xfffffe7, 28), (0xfffffe8, 28), (0xffffea, 24), (0x3ffffffc, 30), (0xfffffe9, 28), // 6
        (0xfffffea, 28), (0x3ffffffd, 30), (0xfffffeb, 28), (0xfffffec, 28), (0xfffffed, 28), (0xfffffee, 28), // 12
        (0xfffffef, 28), (0xffffff0, 28), (0xffffff1, 28), (0xffffff2, 28), (0x3ffffffe, 30), (0xffffff3, 28), // 18
        (0xffffff4, 28), (0xffffff5, 28), (0xffffff6, 28), (0xffffff7, 28), (0xffffff8, 28), (0xffffff9, 28), // 24
        (0xffffffa, 28), (0xffffffb, 28), (0x14, 6), (0x3f8, 10), (0x3f9, 10), (0xffa, 12), // 30
        (0x1ff9, 13), (0x15, 6), (0xf8, 8), (0x7fa, 11), (0x3fa, 10), (0x3fb, 10), // 36
        (0xf9, 8), (0x7fb, 11), (0xfa, 8), (0x16, 6), (0x17, 6), (0x18, 6), // 42
        (0x0, 5), (0x1, 5), (0x2, 5), (0x19, 6), (0x1a, 6), (0x1b, 6), // 48
        (0x1c, 6), (0x1d, 6), (0x1e, 6), (0x1f, 6), (0x5c, 7), (0xfb, 8), // 54
        (0x7ffc, 15), (0x20, 6), (0xffb, 12), (0x3fc, 10), (0x1ffa, 13), (0x21, 6), // 60
        (0x5d, 7), (0x5e, 7), (0x5f, 7), (0x60, 7), (0x61, 7), (0x62, 7), // 66
        (0x63, 7), (0x64, 7), (0x65, 7), (0x66, 7), (0x67, 7), (0x68, 7), // 72
        (0x69, 7), (0x6a, 7), (0x6b, 7), (0x6c, 7), (0x6d, 7), (0x6e, 7), // 78
        (0x6f, 7), (0x70, 7), (0x71, 7), (0x72, 7), (0xfc, 8), (0x73, 7), // 84
        (0xfd, 8), (0x1ffb, 13), (0x7fff0, 19), (0x1ffc, 13), (0x3ffc, 14), (0x22, 6), // 90
        (0x7ffd, 15), (0x3, 5), (0x23, 6), (0x4, 5), (0x24, 6), (0x5, 5), // 96
        (0x25, 6), (0x26, 6), (0x27, 6), (0x6, 5), (0x74, 7), (0x75, 7), // 102
        (0x28, 6), (0x29, 6), (0x2a, 6), (0x7, 5), (0x2b, 6), (0x76, 7), // 108
        (0x2c, 6), (0x8, 5), (0x9, 5), (0x2d, 6), (0x77, 7), (0x78, 7), // 114
        (0x79, 7), (0x7a, 7), (0x7b, 7), (0x7ffe, 15), (0x7fc, 11), (0x3ffd, 14), // 120
        (0x1ffd, 13), (0xffffffc, 28), (0xfffe6, 20), (0x3fffd2, 22), (0xfffe7, 20), (0xfffe8, 20), // 126
        (0x3fffd3, 22), (0x3fffd4, 22), (0x3fffd5, 22), (0x7fffd9, 23), (0x3fffd6, 22), (0x7fffda, 23), // 132
        (0x7fffdb, 23), (0x7fffdc, 23), (0x7fffdd, 23), (0x7fffde, 23), (0xffffeb, 24), (0x7fffdf, 23), // 138
        (0xffffec, 24), (0xffffed, 24), (0x3fffd7, 22), (0x7fffe0, 23), (0xffffee, 24), (0x7fffe1, 23), // 144
        (0x7fffe2, 23), (0x7fffe3, 23), (0x7fffe4, 23), (0x1fffdc, 21), (0x3fffd8, 22), (0x7fffe5, 23), // 150
        (0x3fffd9, 22), (0x7fffe6, 23), (0x7fffe7, 23), (0xffffef, 24), (0x3fffda, 22), (0x1fffdd, 21), // 156
        (0xfffe9, 20), (0x3fffdb, 22), (0x3fffdc, 22), (0x7fffe8, 23), (0x7fffe9, 23), (0x1fffde, 21), // 162
        (0x7fffea, 23), (0x3fffdd, 22), (0x3fffde, 22), (0xfffff0, 24), (0x1fffdf, 21), (0x3fffdf, 22), // 168
        (0x7fffeb, 23), (0x7fffec, 23), (0x1fffe0, 21), (0x1fffe1, 21), (0x3fffe0, 22), (0x1fffe2, 21), // 174
        (0x7fffed, 23), (0x3fffe1, 22), (0x7fffee, 23), (0x7fffef, 23), (0xfffea, 20), (0x3fffe2, 22), // 180
        (0x3fffe3, 22), (0x3fffe4, 22), (0x7ffff0, 23), (0x3fffe5, 22), (0x3fffe6, 22), (0x7ffff1, 23), // 186
        (0x3ffffe0, 26), (0x3ffffe1, 26), (0xfffeb, 20), (0x7fff1, 19), (0x3fffe7, 22), (0x7ffff2, 23), // 192
        (0x3fffe8, 22), (0x1ffffec, 25), (0x3ffffe2, 26), (0x3ffffe3, 26), (0x3ffffe4, 26), (0x7ffffde, 27), // 198
        (0x7ffffdf, 27), (0x3ffffe5, 26), (0xfffff1, 24), (0x1ffffed, 25), (0x7fff2, 19), (0x1fffe3, 21), // 204
        (0x3ffffe6, 26), (0x7ffffe0, 27), (0x7ffffe1, 27), (0x3ffffe7, 26), (0x7ffffe2, 27), (0xfffff2, 24), // 210
        (0x1fffe4, 21), (0x1fffe5, 21), (0x3ffffe8, 26), (0x3ffffe9, 26), (0xffffffd, 28), (0x7ffffe3, 27), // 216
        (0x7ffffe4, 27), (0x7ffffe5, 27), (0xfffec, 20), (0xfffff3, 24), (0xfffed, 20), (0x1fffe6, 21), // 222
        (0x3fffe9, 22), (0x1fffe7, 21), (0x1fffe8, 21), (0x7ffff3, 23), (0x3fffea, 22), (0x3fffeb, 22), // 228
        (0x1ffffee, 25), (0x1ffffef, 25), (0xfffff4, 24), (0xfffff5, 24), (0x3ffffea, 26), (0x7ffff4, 23), // 234
        (0x3ffffeb, 26), (0x7ffffe6, 27), (0x3ffffec, 26), (0x3ffffed, 26), (0x7ffffe7, 27), (0x7ffffe8, 27), // 240
        (0x7ffffe9, 27), (0x7ffffea, 27), (0x7ffffeb, 27), (0xffffffe, 28), (0x7ffffec, 27), (0x7ffffed, 27), // 246
        (0x7ffffee, 27), (0x7ffffef, 27), (0x7fffff0, 27), (0x3ffffee, 26), (0x3fffffff, 30), // 252
    ];

    private static readonly Dictionary<ulong, int> HuffmanSymbols =
        HuffmanCodes.Select((c, symbol) => (Key: ((ulong)c.Bits << 32) | c.Code, symbol)).ToDictionary(e => e.Key, e => e.symbol);

    /// <summary>RFC 7541 Appendix A, indexes 1 to 61.</summary>
    public static readonly (string Name, string Value)[] StaticTable =
    [
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"), (":path", "/index.html"),
        (":scheme", "http"), (":scheme", "https"), (":status", "200"), (":status", "204"), (":status", "206"),
        (":status", "304"), (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""), ("accept", ""),
        ("access-control-allow-origin", ""), ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
        ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""), ("date", ""),
        ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""), ("if-match", ""),
        ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""),
        ("last-modified", ""), ("link", ""), ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
        ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""), ("retry-after", ""),
        ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""), ("transfer-encoding", ""),
        ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
    ];
}
