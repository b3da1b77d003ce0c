using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Shared.Inspection;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Inspection;

/// <summary>
/// Takes finished captures off the queue, decodes and redacts them (here, off the request path, and before they
/// leave the edge), and sends them to the control plane in batches. A batch that fails is sent again as it was
/// (the control plane stores each capture once); meanwhile the queue fills and then drops, never the requests.
/// </summary>
public sealed class CaptureReporter(CaptureQueue queue, ControlPlaneChannel channel, IOptions<EdgeOptions> options, Telemetry.EdgeMetrics metrics,
    ILogger<CaptureReporter> logger) : BackgroundService
{
    private const int MaxBatchBytes = 3 * 1024 * 1024;
    private const int MaxBatchCount = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var report = new CaptureReport { EdgeId = options.Value.Id };
                var bytes = 0;
                while (bytes < MaxBatchBytes && report.Exchanges.Count < MaxBatchCount && reader.TryRead(out var capture))
                {
                    queue.Taken(capture);
                    try
                    {
                        var exchange = ToExchange(capture, options.Value.Id);
                        bytes += exchange.CalculateSize();
                        report.Exchanges.Add(exchange);
                    }
                    catch (Exception ex)
                    {
                        // Whatever a client sent, one capture that cannot be read is dropped, never the edge.
                        metrics.CapturesDropped(1);
                        logger.LogWarning("A captured request of tunnel {Tunnel} could not be prepared and was dropped: {Error}", capture.TunnelId, ex.Message);
                    }
                }

                report.Dropped = queue.TakeDropped();
                metrics.CapturesDropped(report.Dropped);
                await SendAsync(report, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(CaptureReport report, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await channel.Client.ReportCapturesAsync(report, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                if (attempt >= 5)
                {
                    logger.LogWarning("Could not send {Count} captured requests to the control plane after {Attempts} tries; dropped them: {Error}",
                        report.Exchanges.Count, attempt, ex.Message);
                    metrics.CapturesDropped(report.Exchanges.Count);
                    return;
                }

                logger.LogDebug("Could not send captured requests to the control plane (trying again): {Error}", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 1 << attempt)), stoppingToken);
            }
        }
    }

    public static CapturedExchange ToExchange(CaptureScope c, string edgeId)
    {
        var settings = c.Settings;
        var rules = settings.Full ? null : new Redaction.Rules(settings.RedactHeaders, settings.RedactFields);
        var limit = (int)settings.BodyLimit;
        // The credentials sent (and the assertion the gate added), wherever else they show up: an origin that echoes
        // them in a body, a header or a redirect's URL. Full capture keeps what the client and the origin sent, but
        // never the gate's own assertion (a service token's is minted here, and nobody who reads captures has it).
        var secrets = Redaction.SecretsIn(rules is null ? c.InjectedHeaders : c.RequestHeaders.Concat(c.ResponseHeaders).Concat(c.InjectedHeaders),
            rules ?? Redaction.Rules.Default);
        var exchange = new CapturedExchange
        {
            Id = c.Id, TunnelId = c.TunnelId, Hostname = c.Hostname, At = Timestamp.FromDateTimeOffset(c.At), Method = c.Method,
            Url = Redaction.ScrubText(rules is null ? c.Url : rules.Url(c.Url), secrets),
            HttpVersion = c.HttpVersion, ClientAddress = c.ClientAddress, Status = c.Status,
            DurationMs = Ms(c.Started, c.Ended), FirstByteMs = c.FirstByte == 0 ? -1 : Ms(c.Started, c.FirstByte),
            EdgeId = edgeId, ServedByEdge = c.ServedByEdge, ConnectorId = c.ConnectorId, Identity = c.Identity, TraceId = c.TraceId, RequestId = c.RequestId,
            Kind = c.Kind, ReplayOf = c.ReplayOf ?? "", Redacted = rules is not null,
            RequestBodySize = c.RequestBody.Size, ResponseBodySize = c.ResponseBody.Size,
        };
        exchange.RequestHeaders.Add(c.RequestHeaders.Select(h => Header(h, rules, secrets)));
        exchange.ResponseHeaders.Add(c.ResponseHeaders.Select(h => Header(h, rules, secrets)));
        (var body, exchange.RequestBodyDecoded, exchange.RequestBodyTruncated) = Body(c.RequestBody, c.RequestHeaders, rules, limit);
        exchange.RequestBody = ByteString.CopyFrom(Redaction.Scrub(body, secrets));
        (body, exchange.ResponseBodyDecoded, exchange.ResponseBodyTruncated) = Body(c.ResponseBody, c.ResponseHeaders, rules, limit);
        exchange.ResponseBody = ByteString.CopyFrom(Redaction.Scrub(body, secrets));
        return exchange;
    }

    private static CaptureHeader Header(KeyValuePair<string, string> h, Redaction.Rules? rules, IReadOnlyList<string> secrets) =>
        new() { Name = h.Key, Value = Redaction.ScrubText(rules is null ? h.Value : rules.Header(h.Key, h.Value), secrets) };

    private static (byte[] Body, string DecodedFrom, bool Truncated) Body(CaptureBuffer buffer, List<KeyValuePair<string, string>> headers, Redaction.Rules? rules, int limit)
    {
        // Every Content-Encoding line, in order (a second line must not hide behind an `identity` first one).
        var encodings = headers.Where(h => h.Key.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        var encoding = encodings.Count > 1 ? string.Join(", ", encodings) : encodings.FirstOrDefault();
        if (rules is not null && buffer.Kept > 0 && !BodyDecoder.Decodes(encoding))
        {
            return ([], "", true); // encoded in a way the edge cannot read, so cannot mask: only its size is kept
        }

        var (body, decodedFrom) = BodyDecoder.Decode(buffer.ToArray(), encoding, limit);
        if (rules is not null && decodedFrom.Length == 0 && !string.IsNullOrEmpty(encoding) && !encoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase) && body.Length > 0)
        {
            return ([], "", true); // said to be compressed but did not decode: unreadable here, so not kept
        }

        var truncated = buffer.Kept < buffer.Size || (decodedFrom.Length > 0 && body.Length >= limit);
        return (rules?.Body(body, Find(headers, "Content-Type")) ?? body, decodedFrom, truncated);
    }

    private static string? Find(List<KeyValuePair<string, string>> headers, string name) =>
        headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    private static double Ms(long from, long to) => Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(from, to).TotalMilliseconds, 3);
}
