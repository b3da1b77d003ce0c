using System.Net;

namespace Tunnel.Edge.Routing;

/// <summary>The edge's own answers: what happened and what to do, as HTML for browsers and text for everything else.</summary>
public static class ErrorPages
{
    public const string ErrorHeader = "X-Tunnel-Error";
    public const string ErrorDetailHeader = "X-Tunnel-Error-Detail";

    public static Task TunnelOfflineAsync(HttpContext context, string tunnelName, string reason) =>
        WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "no_connector", "Tunnel offline",
            $"Tunnel '{tunnelName}' serves {context.Request.Host.Host}, but {reason}. Start a connector with `tunnel run --token …` on the origin's host.");

    /// <summary>Header values must be visible ASCII; the page body keeps the original text.</summary>
    public static string AsciiHeaderValue(string text) =>
        string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] is >= ' ' and <= '~' ? source[i] : ' ';
            }
        });

    public static Task WriteAsync(HttpContext context, int status, string code, string title, string detail)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = status;
        response.Headers[ErrorHeader] = code;
        // The reason also in a header, for clients that never read the body (a failed WebSocket handshake).
        response.Headers[ErrorDetailHeader] = AsciiHeaderValue(detail);
        response.Headers.CacheControl = "no-store";
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers.RetryAfter = "5";
        }

        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            response.ContentType = "text/html; charset=utf-8";
            return response.WriteAsync($$"""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>{{status}} {{WebUtility.HtmlEncode(title)}}</title>
                <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;color:#222}</style></head>
                <body><h1>{{status}} · {{WebUtility.HtmlEncode(title)}}</h1><p>{{WebUtility.HtmlEncode(detail)}}</p>
                <p><small>Tunnel edge · {{WebUtility.HtmlEncode(context.Request.Host.Value ?? "")}} · {{WebUtility.HtmlEncode(context.TraceIdentifier)}}</small></p></body></html>
                """);
        }

        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync($"{status} {title}: {detail}\n");
    }
}
