using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Tunnel.Edge.Routing;

namespace Tunnel.Edge.Hosting;

/// <summary>
/// Limits on public requests, edge-wide or per hostname (Edge:Hostnames:NAME:…): header and body sizes (431 and 413
/// pages) and request rates per client address and per hostname (429 with Retry-After), through ASP.NET Core's
/// rate limiter. Connector and management ports are never limited.
/// </summary>
internal static class RequestLimits
{
    public static void AddRequestLimits(this IServiceCollection services, EdgeOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                {
                    var host = context.Request.Host.Host;
                    var limit = IsPublic(context, options) ? Limit(options, host)?.PerClientIp : null;
                    return limit is { } n
                        ? RateLimitPartition.GetFixedWindowLimiter($"{host}|{context.Connection.RemoteIpAddress}", _ => Window(n))
                        : RateLimitPartition.GetNoLimiter("");
                }),
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                {
                    var host = context.Request.Host.Host;
                    var limit = IsPublic(context, options) ? Limit(options, host)?.PerHostname : null;
                    return limit is { } n ? RateLimitPartition.GetFixedWindowLimiter(host, _ => Window(n)) : RateLimitPartition.GetNoLimiter("");
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
                return new ValueTask(ErrorPages.WriteAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests",
                    $"{context.Request.Host.Host} takes a limited number of requests per minute; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s."));
            };
        });
    }

    /// <summary>Sizes first (cheap, and a refused request should not use up the rate), then the rate limiter.</summary>
    public static void UseRequestLimits(this IApplicationBuilder app, EdgeOptions options)
    {
        app.Use((context, next) =>
        {
            if (!IsPublic(context, options))
            {
                return next(context);
            }

            var host = context.Request.Host.Host;
            var limits = options.Hostnames.GetValueOrDefault(host);
            var maxHeaders = limits?.MaxRequestHeaderBytes ?? options.MaxRequestHeaderBytes;
            var size = HeaderBytes(context.Request.Headers);
            if (size > maxHeaders)
            {
                return ErrorPages.WriteAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "headers_too_large", "Request headers too large",
                    $"The request's headers are {size / 1024} KiB; {host} accepts at most {maxHeaders / 1024} KiB. Send fewer or smaller headers (often: too many cookies).");
            }

            var maxBody = limits?.MaxRequestBodyBytes ?? options.MaxRequestBodyBytes;
            if (maxBody is { } max)
            {
                if (context.Request.ContentLength > max)
                {
                    return ErrorPages.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "body_too_large", "Request body too large",
                        $"The request's body is {context.Request.ContentLength} bytes; {host} accepts at most {max} bytes.");
                }

                // A chunked body is cut off by Kestrel when it grows past the limit.
                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
                {
                    feature.MaxRequestBodySize = max;
                }
            }

            return next(context);
        });
        app.UseRateLimiter();
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

    private static bool IsPublic(HttpContext context, EdgeOptions options) =>
        context.Connection.LocalPort is var port && port != options.ConnectorPort && port != options.ManagementPort;

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
