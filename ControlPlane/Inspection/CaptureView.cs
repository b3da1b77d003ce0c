using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Web;
using Tunnel.ControlPlane.Model;
using Tunnel.Shared.Inspection;

namespace Tunnel.ControlPlane.Inspection;

/// <summary>A body as a person reads it: JSON and forms pretty-printed, text as text, anything else as a hex dump.</summary>
public sealed record BodyView(long Size, int Kept, bool Truncated, string DecodedFrom, string ContentType, string Format, string Text);

public sealed record MessageView(IReadOnlyList<string[]> Headers, BodyView Body);

/// <summary>One capture in full, as the API, the CLI and the dashboard show it.</summary>
public sealed record CaptureDetail(long Id, string ExchangeId, Guid TunnelId, string Hostname, DateTimeOffset At, string Method, string Url, string HttpVersion,
    string ClientAddress, int Status, double DurationMs, double? FirstByteMs, string EdgeId, string ServedByEdge, string ConnectorId, string Identity,
    string TraceId, string RequestId, string Kind, long? ReplayOfId, string? ReplayOf, IReadOnlyList<long> Replays, bool Redacted, MessageView Request, MessageView Response,
    string Curl);

public static class CaptureView
{
    /// <summary>Hex dumps stop here: a person reads the start of a binary body, the HAR export has it whole.</summary>
    private const int MaxHexBytes = 64 * 1024;

    /// <param name="mask">Masks applied on reading: for viewers of a tunnel with full capture (stored unmasked) on.</param>
    public static CaptureDetail Detail(CaptureEntity c, long? replayOfId, IReadOnlyList<long> replays, Redaction.Rules? mask)
    {
        var storedRequestHeaders = CaptureStore.Headers(c.RequestHeadersJson);
        var storedResponseHeaders = CaptureStore.Headers(c.ResponseHeadersJson);
        var secrets = mask is null ? [] : Redaction.SecretsIn(storedRequestHeaders.Concat(storedResponseHeaders).Select(h => KeyValuePair.Create(h[0], h[1])), mask);
        var requestHeaders = Mask(storedRequestHeaders, mask);
        var responseHeaders = Mask(storedResponseHeaders, mask);
        var requestBody = Redaction.Scrub(mask is null ? c.RequestBody : MaskBody(c.RequestBody, c.RequestBodyDecoded, requestHeaders, mask), secrets);
        var responseBody = Redaction.Scrub(mask is null ? c.ResponseBody : MaskBody(c.ResponseBody, c.ResponseBodyDecoded, responseHeaders, mask), secrets);
        var url = mask is null ? c.Url : Redaction.ScrubText(mask.Url(c.Url), secrets);
        return new CaptureDetail(c.Seq, c.ExchangeId, c.TunnelId, c.Hostname, DateTimeOffset.FromUnixTimeMilliseconds(c.At), c.Method, url, c.HttpVersion,
            c.ClientAddress, c.Status, c.DurationMs, c.FirstByteMs, c.EdgeId, c.ServedByEdge, c.ConnectorId, c.Identity, c.TraceId, c.RequestId, c.Kind, replayOfId, c.ReplayOf,
            replays, c.Redacted || mask is not null,
            new MessageView(requestHeaders, Body(requestBody, c.RequestBodySize, c.RequestBodyTruncated, c.RequestBodyDecoded, Find(requestHeaders, "Content-Type"))),
            new MessageView(responseHeaders, Body(responseBody, c.ResponseBodySize, c.ResponseBodyTruncated, c.ResponseBodyDecoded, Find(responseHeaders, "Content-Type"))),
            Curl(c.Method, url, requestHeaders, requestBody, c.RequestBodyDecoded));
    }

    /// <summary>
    /// A body stored unmasked, for a viewer: its fields masked, and nothing of it when it is still encoded (the edge
    /// could not decode it, so no mask can see inside; the edge drops such bodies itself when it masks).
    /// </summary>
    private static byte[] MaskBody(byte[] body, string decodedFrom, IReadOnlyList<string[]> headers, Redaction.Rules mask) =>
        decodedFrom.Length == 0 && headers.Any(h => h[0].Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase) && !h[1].Trim().Equals("identity", StringComparison.OrdinalIgnoreCase))
            ? []
            : mask.Body(body, Find(headers, "Content-Type"));

    public static BodyView Body(byte[] body, long size, bool truncated, string decodedFrom, string? contentType)
    {
        var media = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        if (body.Length == 0)
        {
            return new BodyView(size, 0, size > 0, decodedFrom, media, "empty", "");
        }

        var text = Utf8(body);
        if (text is not null && media.EndsWith("json", StringComparison.Ordinal))
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                return new BodyView(size, body.Length, truncated, decodedFrom, media, "json",
                    JsonSerializer.Serialize(doc.RootElement, PrettyJson));
            }
            catch (JsonException)
            {
                // cut at the limit, or not JSON after all: as text
            }
        }

        if (text is not null && media == "application/x-www-form-urlencoded")
        {
            var form = HttpUtility.ParseQueryString(text);
            var lines = form.AllKeys.SelectMany(k => (form.GetValues(k) ?? []).Select(v => $"{k} = {v}"));
            return new BodyView(size, body.Length, truncated, decodedFrom, media, "form", string.Join('\n', lines));
        }

        return text is not null
            ? new BodyView(size, body.Length, truncated, decodedFrom, media, "text", text)
            : new BodyView(size, body.Length, truncated, decodedFrom, media, "hex", Hex(body.AsSpan(0, Math.Min(body.Length, MaxHexBytes))));
    }

    /// <summary>A curl command that sends the request again (masked values left out: curl gets them from you).</summary>
    public static string Curl(string method, string url, IEnumerable<string[]> headers, byte[] body, string decodedFrom)
    {
        // -g: brackets in a URL are not curl globs; --data-raw: a body starting with @ is not a file on the admin's disk.
        var sb = new StringBuilder("curl -g");
        if (method != "GET" || body.Length > 0)
        {
            sb.Append(" -X ").Append(Quote(method));
        }

        sb.Append(' ').Append(Quote(url));
        foreach (var h in headers)
        {
            var name = h[0];
            if (name.StartsWith(':') || name is "Host" or "host" || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                || (decodedFrom.Length > 0 && name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            sb.Append(" \\\n  -H ").Append(Quote($"{name}: {h[1]}"));
        }

        if (body.Length > 0)
        {
            sb.Append(" \\\n  --data-raw ").Append(Utf8(body) is { } text ? Quote(text) : "'(binary body: export it as HAR)'");
        }

        return sb.ToString();
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    private static readonly JsonSerializerOptions PrettyJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static List<string[]> Mask(List<string[]> headers, Redaction.Rules? mask) =>
        mask is null ? headers : headers.Select(h => new[] { h[0], mask.Header(h[0], h[1]) }).ToList();

    public static string? Find(IEnumerable<string[]> headers, string name) =>
        headers.FirstOrDefault(h => h[0].Equals(name, StringComparison.OrdinalIgnoreCase))?[1];

    /// <summary>Text when it is valid UTF-8 without control characters other than whitespace (a cut at the end is allowed).</summary>
    public static string? Utf8(byte[] body)
    {
        var strict = new UTF8Encoding(false, true);
        var length = body.Length;
        for (var trim = 0; trim < 4 && length > 0; trim++)
        {
            try
            {
                var text = strict.GetString(body, 0, length);
                return text.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r' or '\t')) ? null : text;
            }
            catch (DecoderFallbackException)
            {
                length--; // a character cut at the limit
            }
        }

        return null;
    }

    public static string Hex(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        for (var offset = 0; offset < bytes.Length; offset += 16)
        {
            var line = bytes.Slice(offset, Math.Min(16, bytes.Length - offset));
            sb.Append(offset.ToString("x8")).Append("  ");
            for (var i = 0; i < 16; i++)
            {
                sb.Append(i < line.Length ? line[i].ToString("x2") + " " : "   ");
                if (i == 7)
                {
                    sb.Append(' ');
                }
            }

            sb.Append(" |");
            foreach (var b in line)
            {
                sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            }

            sb.Append("|\n");
        }

        return sb.ToString();
    }
}
