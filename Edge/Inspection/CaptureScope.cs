using System.Diagnostics;
using Microsoft.Extensions.Primitives;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Inspection;

/// <summary>
/// One request being captured for the traffic inspector: what the client sent (headers as received, before the gate
/// takes credentials off), the bodies as far as the limit, when the answer started, and who served it. Handed to
/// <see cref="CaptureQueue"/> when the request ends; redacted and encoded off the request path (<see cref="CaptureReporter"/>).
/// </summary>
public sealed class CaptureScope
{
    private static readonly AsyncLocal<CaptureScope?> current = new();

    public CaptureScope(string tunnelId, string hostname, CaptureSettings settings, string? replayOf, string? id, CaptureMemory? memory = null)
    {
        TunnelId = tunnelId;
        Hostname = hostname;
        Settings = settings;
        ReplayOf = replayOf;
        Id = id ?? Guid.CreateVersion7().ToString("N");
        RequestBody = new CaptureBuffer((int)settings.BodyLimit, memory);
        ResponseBody = new CaptureBuffer((int)settings.BodyLimit, memory);
    }

    /// <summary>The capture of the request whose async flow this is (null for nearly all: capture is off).</summary>
    public static CaptureScope? Current
    {
        get => current.Value;
        set => current.Value = value;
    }

    public string Id { get; }
    public string TunnelId { get; }
    public string Hostname { get; }
    public CaptureSettings Settings { get; }
    public string? ReplayOf { get; }
    public DateTimeOffset At { get; } = DateTimeOffset.UtcNow;
    public long Started { get; } = Stopwatch.GetTimestamp();
    public long FirstByte { get; set; }
    public long Ended { get; set; }

    public string Method { get; set; } = "";
    public string Url { get; set; } = "";
    public string HttpVersion { get; set; } = "";
    public string ClientAddress { get; set; } = "";
    public string TraceId { get; set; } = "";
    public string RequestId { get; set; } = "";
    public List<KeyValuePair<string, string>> RequestHeaders { get; } = [];
    public List<KeyValuePair<string, string>> ResponseHeaders { get; } = [];
    /// <summary>Credentials the edge itself added to the request (the gate's assertion): masked wherever an origin echoes them.</summary>
    public List<KeyValuePair<string, string>> InjectedHeaders { get; } = [];
    public CaptureBuffer RequestBody { get; }
    public CaptureBuffer ResponseBody { get; }
    public int Status { get; set; }
    public string Kind { get; set; } = "http";
    public string Identity { get; set; } = "";
    public string ServedByEdge { get; private set; } = "";
    public string ConnectorId { get; private set; } = "";

    public void ServedBy((string EdgeId, string ConnectorId) served)
    {
        if (ConnectorId.Length == 0)
        {
            (ServedByEdge, ConnectorId) = served;
        }
    }

    /// <summary>The bytes it holds while queued (the queue's budget is in bytes).</summary>
    public long Weight => RequestBody.Kept + ResponseBody.Kept + 1024
        + RequestHeaders.Sum(h => (long)h.Key.Length + h.Value.Length) + ResponseHeaders.Sum(h => (long)h.Key.Length + h.Value.Length);

    public static void Copy(IHeaderDictionary headers, List<KeyValuePair<string, string>> into)
    {
        foreach (var (name, values) in headers)
        {
            foreach (var value in (StringValues)values)
            {
                into.Add(new(name, value ?? ""));
            }
        }
    }
}
