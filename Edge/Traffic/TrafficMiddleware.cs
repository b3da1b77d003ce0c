using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Tunnel.Edge.Hosting;
using Tunnel.Edge.Routing;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Traffic;

/// <summary>
/// Counts each public request that reached a tunnel route: how it ended (the origin's status class, or which of the
/// edge's own answers), its bytes and its duration. Runs after routing and before the limits and the Access gate,
/// so their refusals count against the hostname too.
/// </summary>
public static class TrafficMiddleware
{
    public static void UseTrafficRecording(this IApplicationBuilder app, EdgeOptions options)
    {
        var recorder = app.ApplicationServices.GetRequiredService<TrafficRecorder>();
        app.Use((context, next) =>
        {
            var metadata = context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata;
            return metadata?.GetValueOrDefault(TunnelRouteMetadata.TunnelId) is { } tunnelId
                && metadata.GetValueOrDefault(TunnelRouteMetadata.Host) is { } hostname
                && EdgeListeners.Of(context, options) == Listener.Public
                ? RecordAsync(context, next, recorder.CellOf(tunnelId, hostname))
                : next(context); // not a tunnel's request: no state machine, nothing counted
        });
    }

    private static async Task RecordAsync(HttpContext context, RequestDelegate next, TrafficRecorder.Cell cell)
    {
        var started = Stopwatch.GetTimestamp();
        var request = context.Request;
        CountingStream? bytesIn = null;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            request.Body = bytesIn = new CountingStream(request.Body);
        }

        var upgrades = CountingUpgrades.Install(context);
        // In place of the server's response body feature, forwarding to it (see CountingResponseBody), and put back after.
        var server = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var bytesOut = new CountingResponseBody(server);
        context.Features.Set<IHttpResponseBodyFeature>(bytesOut);
        var outcome = TrafficOutcome.OtherEdge;
        try
        {
            await next(context);
            // A client that went away is nobody's error to chart as the origin's (the forwarder answers it 502).
            outcome = context.RequestAborted.IsCancellationRequested ? TrafficOutcome.OtherEdge : OutcomeOf(context.Response);
        }
        finally
        {
            context.Features.Set(server);
            // An upgraded request (WebSocket, TCP over WebSocket) lasts as long as its session: not a request duration.
            // Its bytes are the session's, each way, counted when it ends.
            var session = upgrades?.Session;
            var upgraded = session is not null || context.Response.StatusCode == StatusCodes.Status101SwitchingProtocols;
            cell.Record(outcome, (bytesIn?.Bytes ?? 0) + (session?.BytesRead ?? 0), bytesOut.Bytes + (session?.BytesWritten ?? 0),
                upgraded ? null : Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>The edge marks every answer of its own with a code (ErrorPages); anything else is the origin's.</summary>
    public static TrafficOutcome OutcomeOf(HttpResponse response)
    {
        if (response.Headers[ErrorPages.ErrorHeader].ToString() is { Length: > 0 } code)
        {
            return code switch
            {
                ErrorCodes.NoConnector => TrafficOutcome.NoConnector,
                ErrorCodes.OriginUnreachable or ErrorCodes.OriginTimeout or ErrorCodes.OriginError or ErrorCodes.IngressRefused => TrafficOutcome.OriginUnreachable,
                _ when code.StartsWith("access_", StringComparison.Ordinal) => TrafficOutcome.AccessRefused,
                _ => TrafficOutcome.OtherEdge,
            };
        }

        return response.StatusCode switch
        {
            >= 500 => TrafficOutcome.Status5xx,
            >= 400 => TrafficOutcome.Status4xx,
            _ => TrafficOutcome.Ok,
        };
    }
}
