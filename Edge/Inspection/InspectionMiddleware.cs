using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Tunnel.Edge.Access;
using Tunnel.Edge.Config;
using Tunnel.Edge.Hosting;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Access;
using Yarp.ReverseProxy.Model;

namespace Tunnel.Edge.Inspection;

/// <summary>
/// The traffic inspector's capture, for tunnels (or hostnames) an admin turned it on for: the request as the client
/// sent it and the response as the client got it, bodies as far as the limit, handed to a bounded queue when the
/// request ends. For every other request it costs one lookup. Runs after routing and the request limits (a flood the
/// limits refuse is not worth keeping) and before the gate, so its answers are captured too and the request headers
/// are the client's, before the gate takes credentials.
/// </summary>
public static class InspectionMiddleware
{
    /// <summary>Redeems replay tickets (see <see cref="ReplayTickets"/>) before anything reads the request: one place, for every public request.</summary>
    public static void UseReplayTickets(this IApplicationBuilder app, EdgeOptions options)
    {
        var tickets = app.ApplicationServices.GetRequiredService<ReplayTickets>();
        app.Use((context, next) =>
        {
            if (context.Request.Headers.ContainsKey(ReplayTickets.Header) && EdgeListeners.Of(context, options) == Listener.Public
                && tickets.Redeem(context) is { } ticket)
            {
                context.Features.Set(ticket);
            }

            return next(context);
        });
    }

    public static void UseInspection(this IApplicationBuilder app, EdgeOptions options)
    {
        var config = app.ApplicationServices.GetRequiredService<ConfigStore>();
        var queue = app.ApplicationServices.GetRequiredService<CaptureQueue>();
        var access = app.ApplicationServices.GetRequiredService<AccessState>();
        var memory = app.ApplicationServices.GetRequiredService<CaptureMemory>();
        app.Use((context, next) =>
        {
            var metadata = context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata;
            if (metadata?.GetValueOrDefault(TunnelRouteMetadata.TunnelId) is not { } tunnelId
                || metadata.GetValueOrDefault(TunnelRouteMetadata.Host) is not { } hostname
                || config.FindTunnel(tunnelId)?.Capture is not { } settings
                || (settings.Hostnames.Count > 0 && !settings.Hostnames.Contains(hostname))
                || metadata.ContainsKey(TunnelRouteMetadata.TcpService) // TCP services (`tunnel access tcp`) carry no HTTP to show
                || EdgeListeners.Of(context, options) != Listener.Public)
            {
                return next(context); // capture is off: nothing more
            }

            var ticket = context.Features.Get<ReplayTicket>();
            var scope = new CaptureScope(tunnelId, hostname, settings, ticket?.ReplayOf, ticket?.ExchangeId, memory);
            return CaptureAsync(context, next, scope, queue, access);
        });
    }

    private static async Task CaptureAsync(HttpContext context, RequestDelegate next, CaptureScope scope, CaptureQueue queue, AccessState access)
    {
        var request = context.Request;
        scope.Method = request.Method;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : request.Path + request.QueryString;
        scope.Url = $"{request.Scheme}://{request.Host}{target}";
        scope.HttpVersion = request.Protocol;
        scope.ClientAddress = context.Connection.RemoteIpAddress?.ToString() ?? "";
        scope.TraceId = Activity.Current?.TraceId.ToHexString() ?? ""; // when the edge traces (OTLP configured)
        scope.RequestId = context.TraceIdentifier;
        CaptureScope.Copy(request.Headers, scope.RequestHeaders);
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            request.Body = new CapturingRequestBody(request.Body, scope.RequestBody);
        }

        var server = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        context.Features.Set<IHttpResponseBodyFeature>(new CapturingResponseBody(server, scope.ResponseBody));
        context.Response.OnStarting(static s =>
        {
            ((CaptureScope)s).FirstByte = Stopwatch.GetTimestamp();
            return Task.CompletedTask;
        }, scope);
        CaptureScope.Current = scope;
        try
        {
            await next(context);
        }
        finally
        {
            CaptureScope.Current = null;
            context.Features.Set(server);
            scope.Ended = Stopwatch.GetTimestamp();
            var response = context.Response;
            scope.Status = response.StatusCode;
            CaptureScope.Copy(response.Headers, scope.ResponseHeaders);
            scope.Kind = context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true && response.StatusCode == StatusCodes.Status101SwitchingProtocols
                || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true
                    ? "websocket"
                    : response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true ? "sse" : "http";
            if (context.Request.Headers[AccessHeaders.Assertion].ToString() is { Length: > 0 } assertion)
            {
                scope.InjectedHeaders.Add(new(AccessHeaders.Assertion, assertion));
            }

            if (context.Features.Get<AccessIdentity>() is { } who)
            {
                scope.Identity = who.Email ?? (who.ServiceTokenClientId is { } id
                    ? $"service token {access.FindServiceToken(id)?.Name ?? id}"
                    : "");
            }

            scope.RequestBody.Release();
            scope.ResponseBody.Release();
            queue.Add(scope);
        }
    }
}
