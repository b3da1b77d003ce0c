using Tunnel.Edge.Hosting;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Ingress;

namespace Tunnel.Edge.RequestTarget;

/// <summary>
/// First step of every public request: put the host and path in their canonical form (or refuse the request with a
/// 400 page when they have none), and remove what would let an origin read the request differently from the gate.
/// Runs before routing, so routes match the same form the gate decides on and the forwarder sends.
/// </summary>
public static class RequestTargetMiddleware
{
    /// <summary>Headers some origins (IIS URL Rewrite, Symfony, Zend) take as the real target, over the request line.</summary>
    private static readonly string[] TargetOverrideHeaders = ["X-Original-URL", "X-Rewrite-URL"];

    public static void UseCanonicalRequestTarget(this IApplicationBuilder app, EdgeOptions options) =>
        app.Use((context, next) =>
        {
            if (EdgeListeners.Of(context, options) != Listener.Public)
            {
                return next(context);
            }

            var request = context.Request;
            // From the raw header: HttpRequest.Host decodes punycode itself and throws on a malformed name.
            var (rawHost, port) = SplitHostAndPort(request.Headers.Host.ToString());
            var host = HostnameForm.Normalize(rawHost);
            if (host is null || host.StartsWith('*'))
            {
                return ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.BadHost, "Bad request",
                    "The request's Host (or :authority) is not a valid hostname.");
            }

            if (!PathForm.TryCanonicalize(request.Path.Value ?? "", out var path, out var key, out var error))
            {
                return ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.AmbiguousPath, "Bad request",
                    $"The edge refuses this path: {error}. Send the path in its plain form.");
            }

            if (NonAsciiHeader(request.Headers) is { } header)
            {
                // HTTP header values are ASCII; origins and the forwarder read other bytes differently (or not at all).
                return ErrorPages.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.BadHeader, "Bad request",
                    $"The request header '{header}' holds characters outside ASCII. Encode its value (e.g. percent-encoding).");
            }

            request.Host = port is { } p ? new HostString(host, p) : new HostString(host);
            request.Path = path;
            context.Features.Set(new CanonicalTarget(host, path, key));
            RemoveAmbiguousHeaders(request.Headers);
            return next(context);
        });

    private static string? NonAsciiHeader(IHeaderDictionary headers)
    {
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                if (value is not null && !System.Text.Ascii.IsValid(value))
                {
                    return name;
                }
            }
        }

        return null;
    }

    /// <summary>"name" or "name:port"; IPv6 literals and anything else unusual come back whole, to be refused as a hostname.</summary>
    internal static (string Host, int? Port) SplitHostAndPort(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon < 0 || value.Contains(']', StringComparison.Ordinal))
        {
            return (value, null);
        }

        return int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535
            ? (value[..colon], port)
            : (value, null);
    }

    /// <summary>
    /// Header names with '_' are dropped (nginx's default): CGI and WSGI servers fold '_' and '-' together, so
    /// Tunnel_Access_Jwt_Assertion would reach them as ours. Target-override headers likewise.
    /// </summary>
    private static void RemoveAmbiguousHeaders(IHeaderDictionary headers)
    {
        List<string>? drop = null;
        foreach (var name in headers.Keys)
        {
            if (name.Contains('_'))
            {
                (drop ??= []).Add(name);
            }
        }

        foreach (var name in drop ?? [])
        {
            headers.Remove(name);
        }

        foreach (var name in TargetOverrideHeaders)
        {
            headers.Remove(name);
        }
    }
}
