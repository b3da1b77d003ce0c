namespace Tunnel.ControlPlane.Model;

/// <summary>
/// One request the traffic inspector captured at an edge, redacted there unless the tunnel has full capture on.
/// <see cref="Seq"/> orders captures as the control plane received them (the live list's cursor, the CLI's id);
/// <see cref="ExchangeId"/> is the edge's own id (a resent report is stored once; a replay links to its original by it).
/// </summary>
public sealed class CaptureEntity
{
    public long Seq { get; set; }
    public required string ExchangeId { get; set; }
    public Guid TunnelId { get; set; }
    public required string Hostname { get; set; }
    /// <summary>When the edge took the request, Unix milliseconds.</summary>
    public long At { get; set; }
    public required string Method { get; set; }
    public required string Url { get; set; }
    /// <summary>The URL's path and query, for filtering.</summary>
    public required string Path { get; set; }
    public required string HttpVersion { get; set; }
    public required string ClientAddress { get; set; }
    /// <summary>JSON list of [name, value] pairs, in the order received.</summary>
    public required string RequestHeadersJson { get; set; }
    public required byte[] RequestBody { get; set; }
    public long RequestBodySize { get; set; }
    public required string RequestBodyDecoded { get; set; }
    public int Status { get; set; }
    public required string ResponseHeadersJson { get; set; }
    public required byte[] ResponseBody { get; set; }
    public long ResponseBodySize { get; set; }
    public required string ResponseBodyDecoded { get; set; }
    public double DurationMs { get; set; }
    /// <summary>Null when no response header was sent (the client went away first).</summary>
    public double? FirstByteMs { get; set; }
    public required string EdgeId { get; set; }
    public required string ServedByEdge { get; set; }
    public required string ConnectorId { get; set; }
    public required string Identity { get; set; }
    public required string TraceId { get; set; }
    /// <summary>The edge's request id: the X-Request-Id the origin got, the id on the edge's error pages.</summary>
    public required string RequestId { get; set; }
    /// <summary>http, websocket or sse.</summary>
    public required string Kind { get; set; }
    /// <summary>The <see cref="ExchangeId"/> of the capture this one replays.</summary>
    public string? ReplayOf { get; set; }
    public bool Redacted { get; set; }
    /// <summary>Only the start of the body was kept (the tunnel's body limit).</summary>
    public bool RequestBodyTruncated { get; set; }
    public bool ResponseBodyTruncated { get; set; }
}
