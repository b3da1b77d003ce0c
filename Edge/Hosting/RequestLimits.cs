using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.RateLimiting;
using Tunnel.Edge.RequestTarget;
using Tunnel.Edge.Routing;

namespace Tunnel.Edge.Hosting;

/// <summary>
/// Limits on public requests, edge-wide or per hostname (Edge:Hostnames:NAME:…): header and body sizes (431 and 413
/// pages), requests in flight per connection, client address and hostname (so one client cannot hold all of a
/// tunnel's streams), and request rates per client address and per hostname (429 with Retry-After), through ASP.NET
/// Core's rate limiter. Decided by the listener: connector and management ports are never limited here.
/// </summary>
internal static class RequestLimits
{
    public static void AddRequestLimits(this IServiceCollection services, EdgeOptions options)
    {
        services.AddSingleton<ConcurrentRequests>();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                {
                    var host = PublicHost(context, options);
                    var limit = host is null ? null : Limit(options, host)?.PerClientIp;
                    return limit is { } n
                        ? RateLimitPartition.GetFixedWindowLimiter($"{host}|{context.Connection.RemoteIpAddress}", _ => Window(n))
                        : RateLimitPartition.GetNoLimiter("");
                }),
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                {
                    var host = PublicHost(context, options);
                    var limit = host is null ? null : Limit(options, host)?.PerHostname;
                    return limit is { } n ? RateLimitPartition.GetFixedWindowLimiter(host!, _ => Window(n)) : RateLimitPartition.GetNoLimiter("");
                }));
            limiter.OnRejected = (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var context = rejected.HttpContext;
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return Task.CompletedTask;
                });
                return new ValueTask(ErrorPages.WriteAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, "Too many requests",
                    $"{CanonicalTarget.Of(context).Host} takes a limited number of requests per minute; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s."));
            };
        });
    }

    /// <summary>Sizes first (cheap, and a refused request should not use up the rate), then concurrency, then the rate limiter.</summary>
    public static void UseRequestLimits(this IApplicationBuilder app, EdgeOptions options)
    {
        var inFlight = app.ApplicationServices.GetRequiredService<ConcurrentRequests>();
        app.Use(async (context, next) =>
        {
            var listener = EdgeListeners.Of(context, options);
            if (listener != Listener.Public)
            {
                // Tunnel streams are silent one way for as long as the other way is busy (an upload's answer comes at
                // its end): the slow-body rate is for public clients only.
                if (listener is Listener.Connector or Listener.Peer && context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
                {
                    rate.MinDataRate = null;
                }

                await next(context);
                return;
            }

            KeepLongLivedStreamsOpen(context);
            var host = CanonicalTarget.Of(context).Host;
            var limits = options.Hostnames.GetValueOrDefault(host);
            var maxHeaders = limits?.MaxRequestHeaderBytes ?? options.MaxRequestHeaderBytes;
            var size = HeaderBytes(context.Request.Headers);
            if (size > maxHeaders)
            {
                await ErrorPages.WriteAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, ErrorCodes.HeadersTooLarge, "Request headers too large",
                    $"The request's headers are {size / 1024} KiB; {host} accepts at most {maxHeaders / 1024} KiB. Send fewer or smaller headers (often: too many cookies).");
                return;
            }

            var maxBody = limits?.MaxRequestBodyBytes ?? options.MaxRequestBodyBytes;
            if (maxBody is { } max)
            {
                if (context.Request.ContentLength > max)
                {
                    await ErrorPages.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, ErrorCodes.BodyTooLarge, "Request body too large",
                        $"The request's body is {context.Request.ContentLength} bytes; {host} accepts at most {max} bytes.");
                    return;
                }

                // A chunked body is cut off by Kestrel when it grows past the limit.
                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                {
                    feature.MaxRequestBodySize = max;
                }
            }

            using var slot = inFlight.TryEnter(context, host, options, out var refusal);
            if (slot is null)
            {
                await ErrorPages.WriteAsync(context, refusal!.Value.Status, ErrorCodes.TooManyConcurrentRequests, "Too many requests", refusal.Value.Detail);
                return;
            }

            await next(context);
        });
        app.UseRateLimiter();
    }

    /// <summary>
    /// WebSockets (HTTP/1.1 upgrade or HTTP/2 extended CONNECT) and gRPC calls to origins may send nothing for a long
    /// time by design: the slow-body rate applies to ordinary request bodies only.
    /// </summary>
    private static void KeepLongLivedStreamsOpen(HttpContext context)
    {
        var longLived = context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
            || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
        if (longLived && context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
    }

    private static (int? PerClientIp, int? PerHostname)? Limit(EdgeOptions options, string host)
    {
        var limits = options.Hostnames.GetValueOrDefault(host);
        var perIp = limits?.RequestsPerMinutePerClientIp ?? options.RequestsPerMinutePerClientIp;
        var perHost = limits?.RequestsPerMinutePerHostname ?? options.RequestsPerMinutePerHostname;
        return perIp is null && perHost is null ? null : (perIp, perHost);
    }

    private static FixedWindowRateLimiterOptions Window(int permits) =>
        new() { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true };

    /// <summary>The canonical host of a public request; null on the other listeners (never rate limited).</summary>
    private static string? PublicHost(HttpContext context, EdgeOptions options) =>
        EdgeListeners.Of(context, options) == Listener.Public ? context.Features.Get<CanonicalTarget>()?.Host : null;

    private static long HeaderBytes(IHeaderDictionary headers)
    {
        long size = 0;
        foreach (var (name, values) in headers)
        {
            size += name.Length + 4; // ": " and CRLF
            foreach (var value in values)
            {
                size += value?.Length ?? 0;
            }
        }

        return size;
    }
}
