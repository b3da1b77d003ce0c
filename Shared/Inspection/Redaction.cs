using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tunnel.Shared.Inspection;

/// <summary>
/// What the traffic inspector masks before a capture leaves the edge (and again for viewers when an admin turned on
/// full capture): credentials in headers always, and header and JSON/form field names a tunnel adds. Masking keeps
/// the shape (the scheme of an Authorization, the names of cookies) so a reader still sees what was sent.
/// </summary>
public static class Redaction
{
    public const string Mask = "[redacted]";

    /// <summary>Headers that carry credentials: the HTTP ones and Access's (session token, assertion, service-token secret).</summary>
    public static readonly IReadOnlyList<string> DefaultHeaders =
    [
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
        "Tunnel-Access-Jwt-Assertion", "Tunnel-Access-Token", "Tunnel-Access-Client-Secret",
    ];

    public sealed class Rules
    {
        private readonly HashSet<string> _headers;
        private readonly HashSet<string> _fields;

        public Rules(IEnumerable<string> extraHeaders, IEnumerable<string> fields)
        {
            _headers = new HashSet<string>(DefaultHeaders.Concat(extraHeaders), StringComparer.OrdinalIgnoreCase);
            _fields = new HashSet<string>(fields.Where(f => f.Length > 0), StringComparer.OrdinalIgnoreCase);
        }

        public static Rules Default { get; } = new([], []);

        public bool MasksHeader(string name) => _headers.Contains(name);

        public bool HasFields => _fields.Count > 0;

        /// <summary>The URL with the values of credential-like query parameters (and the tunnel's field names) masked.</summary>
        public string Url(string url)
        {
            var q = url.IndexOf('?');
            if (q < 0)
            {
                return url;
            }

            var hash = url.IndexOf('#', q);
            var query = hash < 0 ? url[(q + 1)..] : url[(q + 1)..hash];
            var masked = string.Join('&', query.Split('&').Select(pair =>
            {
                var eq = pair.IndexOf('=');
                if (eq < 0)
                {
                    return pair;
                }

                var name = Unescape(pair[..eq]);
                return _fields.Contains(name) || DefaultQueryNames.Contains(name) ? pair[..(eq + 1)] + Uri.EscapeDataString(Mask) : pair;
            }));
            return url[..(q + 1)] + masked + (hash < 0 ? "" : url[hash..]);
        }

        public string Header(string name, string value) => MasksHeader(name) ? MaskHeader(name, value) : value;

        /// <summary>A JSON or form body with the named fields' values masked (any depth); other bodies as they are.</summary>
        public byte[] Body(byte[] body, string? contentType)
        {
            if (_fields.Count == 0 || body.Length == 0)
            {
                return body;
            }

            var media = (contentType ?? "").Split(';')[0].Trim();
            if (media.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                return Encoding.UTF8.GetBytes(Form(Encoding.UTF8.GetString(body)));
            }

            if (!media.EndsWith("json", StringComparison.OrdinalIgnoreCase))
            {
                return body;
            }

            try
            {
                var node = JsonNode.Parse(body);
                if (node is null || !Walk(node))
                {
                    return body;
                }

                return Encoding.UTF8.GetBytes(node.ToJsonString());
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
            {
                // (A duplicate key makes the object model throw ArgumentException.)
                // Cut at the limit, or not JSON at all: mask by name in the text, so a secret is not kept for want of parsing.
                return Encoding.UTF8.GetBytes(TextFallback(Encoding.UTF8.GetString(body)));
            }
        }

        private bool Walk(JsonNode node)
        {
            var changed = false;
            switch (node)
            {
                case JsonObject o:
                    foreach (var name in o.Select(p => p.Key).ToList())
                    {
                        if (_fields.Contains(name))
                        {
                            o[name] = Mask;
                            changed = true;
                        }
                        else if (o[name] is { } child)
                        {
                            changed |= Walk(child);
                        }
                    }

                    break;
                case JsonArray a:
                    foreach (var child in a)
                    {
                        if (child is not null)
                        {
                            changed |= Walk(child);
                        }
                    }

                    break;
            }

            return changed;
        }

        private string Form(string form) => string.Join('&', form.Split('&').Select(pair =>
        {
            var eq = pair.IndexOf('=');
            var name = Unescape(eq < 0 ? pair : pair[..eq]);
            return eq >= 0 && _fields.Contains(name) ? pair[..(eq + 1)] + Uri.EscapeDataString(Mask) : pair;
        }));

        /// <summary>"name": value pairs in text that does not parse: the value up to the next , } or end of line is masked.</summary>
        private string TextFallback(string text)
        {
            foreach (var field in _fields)
            {
                var pattern = "\"" + System.Text.RegularExpressions.Regex.Escape(field) + "\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\"?|[^,}\\]\\r\\n]*)";
                text = System.Text.RegularExpressions.Regex.Replace(text, pattern, m => m.Value[..(m.Groups[1].Index - m.Index)] + "\"" + Mask + "\"",
                    System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant,
                    TimeSpan.FromSeconds(1));
            }

            return text;
        }
    }

    /// <summary>Query parameters that carry credentials by convention (OAuth, signed links, API keys, Access's hand-off).</summary>
    public static readonly IReadOnlySet<string> DefaultQueryNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "token", "access_token", "id_token", "refresh_token", "code", "key", "api_key", "apikey", "signature", "sig", "password", "secret",
        "client_secret", "session", "auth",
    };

    /// <summary>A URL-encoded (form or query) name or value, or the text as it is when it does not decode.</summary>
    public static string Unescape(string s)
    {
        try
        {
            return Uri.UnescapeDataString(s.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return s;
        }
    }

    /// <summary>Text with every occurrence of the secrets replaced by the mask.</summary>
    public static string ScrubText(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>
    /// The secret parts of the masked headers (a token after its scheme, each cookie's value), long enough not to be
    /// common words: an origin that echoes one (a debug page, an error) must not carry it into the capture's bodies.
    /// </summary>
    public static List<string> SecretsIn(IEnumerable<KeyValuePair<string, string>> headers, Rules rules)
    {
        var secrets = new List<string>();
        foreach (var (name, value) in headers)
        {
            if (!rules.MasksHeader(name))
            {
                continue;
            }

            IEnumerable<string> parts = name.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
                ? value.Split(';').Select(p => p.Contains('=') ? p[(p.IndexOf('=') + 1)..] : p)
                : name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase)
                    ? [value.Split(';')[0] is var first && first.Contains('=') ? first[(first.IndexOf('=') + 1)..] : first]
                    : [value, value.Contains(' ') ? value[(value.IndexOf(' ') + 1)..] : value];
            secrets.AddRange(parts.Select(p => p.Trim()).Where(p => p.Length >= MinSecretLength));
        }

        return secrets.Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToList();
    }

    private const int MinSecretLength = 8;

    /// <summary>The body with every occurrence of the secrets (as UTF-8) replaced by the mask.</summary>
    public static byte[] Scrub(byte[] body, IReadOnlyList<string> secrets)
    {
        if (secrets.Count == 0 || body.Length == 0)
        {
            return body;
        }

        var mask = Encoding.UTF8.GetBytes(Mask);
        foreach (var secret in secrets)
        {
            var needle = Encoding.UTF8.GetBytes(secret);
            var at = body.AsSpan().IndexOf(needle);
            if (at < 0)
            {
                continue;
            }

            var output = new List<byte>(body.Length);
            var rest = body.AsSpan();
            while ((at = rest.IndexOf(needle)) >= 0)
            {
                output.AddRange(rest[..at]);
                output.AddRange(mask);
                rest = rest[(at + needle.Length)..];
            }

            output.AddRange(rest);
            body = output.ToArray();
        }

        return body;
    }

    /// <summary>The value with its secret parts masked: "Bearer [redacted]", "a=[redacted]; b=[redacted]", the attributes of a Set-Cookie kept.</summary>
    public static string MaskHeader(string name, string value)
    {
        if (name.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
        {
            return string.Join("; ", value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(MaskPair));
        }

        if (name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
        {
            var parts = value.Split(';', StringSplitOptions.TrimEntries);
            return string.Join("; ", parts.Select((p, i) => i == 0 ? MaskPair(p) : p));
        }

        if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase))
        {
            var space = value.IndexOf(' ');
            return space > 0 && space < 32 ? value[..space] + " " + Mask : Mask;
        }

        return Mask;
    }

    private static string MaskPair(string pair)
    {
        var eq = pair.IndexOf('=');
        return eq > 0 ? pair[..(eq + 1)] + Mask : Mask;
    }
}
