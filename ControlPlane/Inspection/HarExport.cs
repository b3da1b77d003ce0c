using Tunnel.Shared.Inspection;
using System.Text.Json.Nodes;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Inspection;

/// <summary>
/// Captures as an HTTP Archive (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/), the format browsers'
/// developer tools and proxies import. Bodies are the decoded ones (HAR's content.text is decoded); a binary one is
/// base64; a cut one says so in a comment.
/// </summary>
public static class HarExport
{
    public static JsonObject Build(IEnumerable<CaptureEntity> captures, string version) => new()
    {
        ["log"] = new JsonObject
        {
            ["version"] = "1.2",
            ["creator"] = new JsonObject { ["name"] = "tunnel traffic inspector", ["version"] = version },
            ["entries"] = new JsonArray(captures.Select(Entry).ToArray<JsonNode?>()),
        },
    };

    private static JsonObject Entry(CaptureEntity c)
    {
        var requestHeaders = CaptureStore.Headers(c.RequestHeadersJson);
        var responseHeaders = CaptureStore.Headers(c.ResponseHeadersJson);
        var wait = c.FirstByteMs ?? c.DurationMs;
        var request = new JsonObject
        {
            ["method"] = c.Method,
            ["url"] = c.Url,
            ["httpVersion"] = c.HttpVersion,
            ["cookies"] = new JsonArray(),
            ["headers"] = Headers(requestHeaders),
            ["queryString"] = Query(c.Url),
            ["headersSize"] = -1,
            ["bodySize"] = c.RequestBodySize,
        };
        if (c.RequestBody.Length > 0 || c.RequestBodySize > 0)
        {
            var post = new JsonObject { ["mimeType"] = CaptureView.Find(requestHeaders, "Content-Type") ?? "" };
            Content(post, c.RequestBody, c.RequestBodyTruncated, c.RequestBodySize);
            request["postData"] = post;
        }

        var content = new JsonObject { ["size"] = c.ResponseBody.Length, ["mimeType"] = CaptureView.Find(responseHeaders, "Content-Type") ?? "" };
        if (c.ResponseBodyDecoded.Length > 0)
        {
            content["compression"] = c.ResponseBody.Length - c.ResponseBodySize;
        }

        Content(content, c.ResponseBody, c.ResponseBodyTruncated, c.ResponseBodySize);
        return new JsonObject
        {
            ["startedDateTime"] = DateTimeOffset.FromUnixTimeMilliseconds(c.At).ToString("o"),
            ["time"] = c.DurationMs,
            ["request"] = request,
            ["response"] = new JsonObject
            {
                ["status"] = c.Status,
                ["statusText"] = "",
                ["httpVersion"] = c.HttpVersion,
                ["cookies"] = new JsonArray(),
                ["headers"] = Headers(responseHeaders),
                ["content"] = content,
                ["redirectURL"] = CaptureView.Find(responseHeaders, "Location") ?? "",
                ["headersSize"] = -1,
                ["bodySize"] = c.ResponseBodySize,
            },
            ["cache"] = new JsonObject(),
            ["timings"] = new JsonObject { ["send"] = 0, ["wait"] = wait, ["receive"] = Math.Max(0, c.DurationMs - wait) },
            ["serverIPAddress"] = "",
            ["comment"] = $"capture {c.Seq} on edge {c.EdgeId}" + (c.ReplayOf is null ? "" : $", a replay of {c.ReplayOf}") + (c.Redacted ? ", credentials masked" : ""),
            ["_tunnel"] = new JsonObject
            {
                ["id"] = c.Seq, ["exchangeId"] = c.ExchangeId, ["hostname"] = c.Hostname, ["clientAddress"] = c.ClientAddress, ["identity"] = c.Identity,
                ["connectorId"] = c.ConnectorId, ["servedByEdge"] = c.ServedByEdge, ["traceId"] = c.TraceId, ["requestId"] = c.RequestId, ["kind"] = c.Kind, ["replayOf"] = c.ReplayOf,
            },
        };
    }

    private static void Content(JsonObject content, byte[] body, bool truncated, long size)
    {
        if (CaptureView.Utf8(body) is { } text)
        {
            content["text"] = text;
        }
        else
        {
            content["text"] = Convert.ToBase64String(body);
            content["encoding"] = "base64";
        }

        if (truncated)
        {
            content["comment"] = $"only the first {body.Length} bytes were kept (of {size} sent)";
        }
    }

    private static JsonArray Headers(List<string[]> headers) =>
        new(headers.Select(h => (JsonNode?)new JsonObject { ["name"] = h[0], ["value"] = h[1] }).ToArray());

    private static JsonArray Query(string url)
    {
        var q = url.IndexOf('?');
        if (q < 0)
        {
            return [];
        }

        return new JsonArray(url[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var eq = pair.IndexOf('=');
            return (JsonNode?)new JsonObject
            {
                ["name"] = Redaction.Unescape(eq < 0 ? pair : pair[..eq]),
                ["value"] = eq < 0 ? "" : Redaction.Unescape(pair[(eq + 1)..]),
            };
        }).ToArray());
    }
}
