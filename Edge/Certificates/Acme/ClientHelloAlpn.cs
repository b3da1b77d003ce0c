using System.Buffers.Binary;
using System.Text;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// The application protocols (ALPN, RFC 7301) a TLS ClientHello offers, read from the connection's first bytes before
/// the handshake: Kestrel's certificate callback does not see them, and TLS-ALPN-01 (RFC 8737) is told apart by
/// "acme-tls/1" alone. Anything that is not a well-formed ClientHello offers nothing (the handshake then decides).
/// </summary>
public static class ClientHelloAlpn
{
    public enum Status { NeedMore, Done }

    /// <summary>A ClientHello is never this large; past it the connection is left to the handshake.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>More records than any real ClientHello spans: past it the connection is left to the handshake.</summary>
    private const int MaxRecords = 16;

    /// <returns>Done with the protocols offered (none when it is not a ClientHello); or NeedMore with how many bytes in all
    /// to wait for before reading again.</returns>
    public static (Status Status, IReadOnlyList<string> Protocols, int Needed) Read(ReadOnlySpan<byte> data)
    {
        // Reassemble the handshake message from its TLS records (a ClientHello may span several).
        var handshake = new List<byte>();
        var offset = 0;
        for (var records = 0; ; records++)
        {
            if (handshake.Count >= 4)
            {
                var length = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];
                if (handshake[0] != 1 || length > MaxBytes)
                {
                    return (Status.Done, [], 0);
                }

                if (handshake.Count >= 4 + length)
                {
                    return (Status.Done, Parse(handshake.GetRange(4, length).ToArray()), 0);
                }
            }

            if (records >= MaxRecords)
            {
                return (Status.Done, [], 0);
            }

            if (data.Length - offset < 5)
            {
                return More(offset + 5);
            }

            var record = data.Slice(offset, 5);
            var recordLength = BinaryPrimitives.ReadUInt16BigEndian(record[3..]);
            if (record[0] != 22 || record[1] != 3 || recordLength == 0 || recordLength > 16384 + 2048)
            {
                return (Status.Done, [], 0); // not a handshake record: not TLS, or not a ClientHello
            }

            if (data.Length - offset - 5 < recordLength)
            {
                return More(offset + 5 + recordLength);
            }

            handshake.AddRange(data.Slice(offset + 5, recordLength));
            offset += 5 + recordLength;
        }
    }

    private static (Status, IReadOnlyList<string>, int) More(int needed) => needed > MaxBytes ? (Status.Done, [], 0) : (Status.NeedMore, [], needed);

    /// <summary>The ALPN list of a ClientHello body; empty when it has none or is malformed.</summary>
    private static IReadOnlyList<string> Parse(ReadOnlySpan<byte> hello)
    {
        var reader = new Reader(hello);
        if (!reader.Skip(2 + 32) || !reader.SkipVector(1) || !reader.SkipVector(2) || !reader.SkipVector(1) || !reader.U16(out var extensionsLength)
            || !reader.Take(extensionsLength, out var extensions))
        {
            return [];
        }

        var ext = new Reader(extensions);
        while (ext.U16(out var type) && ext.U16(out var length) && ext.Take(length, out var body))
        {
            if (type != 16)
            {
                continue;
            }

            var list = new Reader(body);
            if (!list.U16(out var listLength) || !list.Take(listLength, out var names))
            {
                return [];
            }

            var protocols = new List<string>();
            var entries = new Reader(names);
            while (entries.U8(out var nameLength))
            {
                if (nameLength == 0 || !entries.Take(nameLength, out var name))
                {
                    return [];
                }

                protocols.Add(Encoding.ASCII.GetString(name));
            }

            return protocols;
        }

        return [];
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public bool Skip(int n)
        {
            if (_rest.Length < n)
            {
                return false;
            }

            _rest = _rest[n..];
            return true;
        }

        public bool Take(int n, out ReadOnlySpan<byte> taken)
        {
            taken = _rest.Length >= n ? _rest[..n] : default;
            return Skip(n);
        }

        public bool U8(out int value)
        {
            value = _rest.Length >= 1 ? _rest[0] : 0;
            return Skip(1);
        }

        public bool U16(out int value)
        {
            value = _rest.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(_rest) : 0;
            return Skip(2);
        }

        public bool SkipVector(int lengthBytes) =>
            lengthBytes == 1 ? U8(out var n) && Skip(n) : U16(out var m) && Skip(m);
    }
}
