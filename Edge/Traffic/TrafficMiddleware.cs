using System.Diagnostics;
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
        app.Use(async (context, next) =>
        {
            var metadata = context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata;
            if (metadata?.GetValueOrDefault(TunnelRouteMetadata.TunnelId) is not { } tunnelId
                || metadata.GetValueOrDefault(TunnelRouteMetadata.Host) is not { } hostname
                || EdgeListeners.Of(context, options) != Listener.Public)
            {
                await next(context);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var request = context.Request;
            CountingStream? bytesIn = null;
            if (request.ContentLength > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
            {
                request.Body = bytesIn = new CountingStream(request.Body);
            }

            var bytesOut = new CountingStream(context.Response.Body);
            context.Response.Body = bytesOut;
            var outcome = TrafficOutcome.OtherEdge;
            try
            {
                await next(context);
                outcome = OutcomeOf(context.Response);
            }
            finally
            {
                recorder.CellOf(tunnelId, hostname).Record(outcome, bytesIn?.Bytes ?? 0, bytesOut.Bytes, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
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
