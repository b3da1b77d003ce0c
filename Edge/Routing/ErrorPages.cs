using System.Net;
using Microsoft.Extensions.Options;

namespace Tunnel.Edge.Routing;

/// <summary>The edge's own answers: what happened and what to do, as HTML for browsers and text for everything else.</summary>
public static class ErrorPages
{
    public const string ErrorHeader = "X-Tunnel-Error";
    public const string ErrorDetailHeader = "X-Tunnel-Error-Detail";

    public static Task TunnelOfflineAsync(HttpContext context, string tunnelName, string reason) =>
        WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.NoConnector, "Tunnel offline",
            $"Tunnel '{tunnelName}' serves {HostOf(context)}, but {reason}. Start a connector with `tunnel run --token …` on the origin's host.");

    /// <summary>
    /// The origin failed. Its address and the connector's error are internal: they go to the log and the trace, and
    /// on the page only to someone Access identified; anonymous clients get the request id to quote.
    /// </summary>
    public static Task OriginFailedAsync(HttpContext context, int status, string code, string title, string detail, string? shownToAnyone = null)
    {
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Tunnel.Edge.Origin")
            .LogWarning("{Host}: {Title}: {Detail} (request {RequestId})", HostOf(context), title, detail, context.TraceIdentifier);
        System.Diagnostics.Activity.Current?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, detail);
        var shown = context.Features.Get<Tunnel.Shared.Access.AccessIdentity>() is not null
            ? detail
            : shownToAnyone ?? $"The origin of {HostOf(context)} could not be reached or failed. The details are in the edge's log under request id {context.TraceIdentifier}.";
        return WriteAsync(context, status, code, title, shown);
    }

    /// <summary>The request's canonical hostname (punycode for international names).</summary>
    public static string HostOf(HttpContext context) =>
        context.Features.Get<RequestTarget.CanonicalTarget>()?.Host ?? context.Request.Host.Host;

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

        // Failures link to their section of the troubleshooting guide; a page that reports success (signed out) does not.
        var help = status >= 400 ? HelpUrl(context, code) : null;
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            var helpHtml = help is null ? "" : $"<p>What this means: <a href=\"{WebUtility.HtmlEncode(help)}\">{WebUtility.HtmlEncode(help)}</a></p>";
            response.ContentType = "text/html; charset=utf-8";
            return response.WriteAsync($$"""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>{{status}} {{WebUtility.HtmlEncode(title)}}</title>
                <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;color:#222}</style></head>
                <body><h1>{{status}} · {{WebUtility.HtmlEncode(title)}}</h1><p>{{WebUtility.HtmlEncode(detail)}}</p>{{helpHtml}}
                <p><small>Tunnel edge · {{WebUtility.HtmlEncode(context.Request.Host.Value ?? "")}} · {{WebUtility.HtmlEncode(context.TraceIdentifier)}}</small></p></body></html>
                """);
        }

        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(help is null ? $"{status} {title}: {detail}\n" : $"{status} {title}: {detail}\nWhat this means: {AbsoluteHelpUrl(context, code)}\n");
    }

    /// <summary>The section of the troubleshooting guide (Edge:TroubleshootingUrl) about a code; relative by default.</summary>
    public static string HelpUrl(HttpContext context, string code)
    {
        var guide = context.RequestServices?.GetService<IOptions<EdgeOptions>>()?.Value.TroubleshootingUrl ?? EdgeOptions.DefaultTroubleshootingUrl;
        return $"{guide}#{code}";
    }

    /// <summary>
    /// For readers that cannot resolve a relative link (a terminal, a JSON client): a guide on the edge itself,
    /// spelled out on the hostname and port the request came to.
    /// </summary>
    public static string AbsoluteHelpUrl(HttpContext context, string code)
    {
        // Only on a hostname already found valid (the canonical target): a Host refused as malformed is never echoed.
        var help = HelpUrl(context, code);
        return help.StartsWith('/') && context.Features.Get<RequestTarget.CanonicalTarget>() is { } target
            ? $"{context.Request.Scheme}://{target.Host}{(context.Request.Host.Port is { } port ? $":{port}" : "")}{help}"
            : help;
    }
}
