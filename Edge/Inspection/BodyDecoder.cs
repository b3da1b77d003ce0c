using System.IO.Compression;

namespace Tunnel.Edge.Inspection;

/// <summary>Undoes a body's Content-Encoding (gzip, br, deflate) for the inspector, never past the body limit (a small body can inflate without end).</summary>
public static class BodyDecoder
{
    /// <summary>Whether the reporter can undo this Content-Encoding (an unknown one leaves the body unreadable, and unmaskable).</summary>
    public static bool Decodes(string? contentEncoding) =>
        (contentEncoding ?? "").Trim().ToLowerInvariant() is "" or "identity" or "gzip" or "x-gzip" or "br" or "deflate";

    /// <summary>The decoded body and the encoding it came from; the body unchanged (and no encoding) when it is not one of these or does not decode.</summary>
    public static (byte[] Body, string DecodedFrom) Decode(byte[] body, string? contentEncoding, int limit)
    {
        var encoding = (contentEncoding ?? "").Trim().ToLowerInvariant();
        if (body.Length == 0 || encoding is not ("gzip" or "x-gzip" or "br" or "deflate"))
        {
            return (body, "");
        }

        try
        {
            using var input = new MemoryStream(body);
            using Stream decoder = encoding switch
            {
                "br" => new BrotliStream(input, CompressionMode.Decompress),
                "deflate" => IsZlib(body) ? new ZLibStream(input, CompressionMode.Decompress) : new DeflateStream(input, CompressionMode.Decompress),
                _ => new GZipStream(input, CompressionMode.Decompress),
            };
            var output = new byte[Math.Min(limit, Math.Max(4096, body.Length * 4))];
            var length = 0;
            while (length < limit)
            {
                if (length == output.Length)
                {
                    Array.Resize(ref output, Math.Min(limit, output.Length * 2));
                }

                int read;
                try
                {
                    read = decoder.Read(output, length, output.Length - length);
                }
                catch (Exception) when (length > 0)
                {
                    break; // the kept part was cut at the limit: what decoded so far is what there is
                }

                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return (output.AsSpan(0, length).ToArray(), encoding);
        }
        catch (Exception)
        {
            // Whatever a client sends as "compressed" (Brotli reports bad data as InvalidOperationException): not decodable.
            return (body, "");
        }
    }

    /// <summary>HTTP's "deflate" is zlib-wrapped, but some servers send the raw stream.</summary>
    private static bool IsZlib(byte[] body) => body.Length >= 2 && (body[0] & 0x0F) == 8 && ((body[0] << 8) | body[1]) % 31 == 0;
}
