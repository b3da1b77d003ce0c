using Tunnel.Edge.Routing;

namespace Tunnel.Edge.Hosting;

/// <summary>Answers requests whose headers exceed Edge:MaxRequestHeaderBytes with a 431 page saying so.</summary>
internal static class RequestHeaderLimit
{
    public static IApplicationBuilder UseRequestHeaderLimit(this IApplicationBuilder app, EdgeOptions options) =>
        app.Use((context, next) =>
        {
            long size = 0;
            foreach (var (name, values) in context.Request.Headers)
            {
                size += name.Length + 4; // ": " and CRLF
                foreach (var value in values)
                {
                    size += value?.Length ?? 0;
                }
            }

            if (size <= options.MaxRequestHeaderBytes)
            {
                return next(context);
            }

            return ErrorPages.WriteAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "headers_too_large", "Request headers too large",
                $"The request's headers are {size / 1024} KiB; this edge accepts at most {options.MaxRequestHeaderBytes / 1024} KiB. Send fewer or smaller headers (often: too many cookies).");
        });
}
