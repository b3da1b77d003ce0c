using System.Text.Json;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>An ACME server's error document (RFC 8555 §6.7, RFC 7807), kept whole for logs and `tunnel info`.</summary>
public sealed class AcmeProblemException(string type, string detail, int status, string? document = null)
    : Exception($"{detail} ({type}, HTTP {status})")
{
    public string Type { get; } = type;
    public string Detail { get; } = detail;
    public int Status { get; } = status;
    public string? Document { get; } = document;
    /// <summary>How long the CA asked to wait (Retry-After on a 429 or 503), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public bool IsBadNonce => Type == "urn:ietf:params:acme:error:badNonce";

    public static AcmeProblemException From(int status, string body, TimeSpan? retryAfter = null) => Parse(status, body) is var p && retryAfter is { } wait
        ? new AcmeProblemException(p.Type, p.Detail, p.Status, p.Document) { RetryAfter = wait } : p;

    private static AcmeProblemException Parse(int status, string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var type = root.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
            if (root.TryGetProperty("subproblems", out var subs) && subs.ValueKind == JsonValueKind.Array)
            {
                detail += " " + string.Join("; ", subs.EnumerateArray().Select(s => s.TryGetProperty("detail", out var sd) ? sd.GetString() : null).OfType<string>());
            }

            return new AcmeProblemException(type, detail.Trim(), status, body);
        }
        catch (JsonException)
        {
            return new AcmeProblemException("about:blank", body.Length > 300 ? body[..300] : body, status, body);
        }
    }
}
