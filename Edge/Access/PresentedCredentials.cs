namespace Tunnel.Edge.Access;

/// <summary>
/// Every credential the edge consumes, taken off a public request in one place before anything else reads it. What
/// is taken never reaches an origin, on any path (protected, bypassed, outside every application, or unrouted); the
/// gate decides on these values only.
/// </summary>
public sealed class PresentedCredentials
{
    /// <summary>Headers the edge reads or sets; a client's copies are always removed.</summary>
    private static readonly string[] Headers =
        [AccessHeaders.ClientId, AccessHeaders.ClientSecret, AccessHeaders.SessionToken, AccessHeaders.Assertion];

    /// <summary>
    /// What the names of Access cookies (sessions, login nonces) and of the auth hostname's cookies contain, whatever the
    /// application: a cookie pair that mentions one, however spelled, is ours.
    /// </summary>
    private static readonly string[] CookieMarks = ["tunnel_access", "tunnel_login", "tunnel_auth"];

    private static readonly Dictionary<string, string> NoCookies = new(StringComparer.Ordinal);

    private readonly Dictionary<string, string> _cookies;

    private PresentedCredentials(Dictionary<string, string> cookies, string? sessionToken, string? clientId, string? clientSecret)
    {
        _cookies = cookies;
        SessionToken = sessionToken;
        ClientId = clientId;
        ClientSecret = clientSecret;
    }

    public string? SessionToken { get; }
    public string? ClientId { get; }
    public string? ClientSecret { get; }

    public string? Cookie(string name) => _cookies.GetValueOrDefault(name);

    public IEnumerable<string> CookieNames => _cookies.Keys;

    public static PresentedCredentials TakeFrom(HttpRequest request)
    {
        var cookieHeader = request.Headers.Cookie;
        var mentioned = cookieHeader.Count > 0 && cookieHeader.Any(h => h is not null && Mentions(h));
        var cookies = NoCookies;
        if (mentioned)
        {
            cookies = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in request.Cookies)
            {
                if (Mentions(name))
                {
                    cookies.TryAdd(name, value);
                }
            }
        }

        var taken = new PresentedCredentials(cookies, NonEmpty(request.Headers[AccessHeaders.SessionToken]),
            NonEmpty(request.Headers[AccessHeaders.ClientId]), NonEmpty(request.Headers[AccessHeaders.ClientSecret]));
        foreach (var header in Headers)
        {
            request.Headers.Remove(header);
        }

        if (mentioned)
        {
            // Rebuild the Cookie header from what is left, pair by pair as the client wrote them. A pair that names one
            // of ours anywhere is dropped, however it is spelled ("a=1, ours=x", ' ours =x', quoted names): origins parse
            // cookies in more ways than the gate reads them, and the gate reads only the cleanly parsed ones above.
            var kept = cookieHeader.SelectMany(h => (h ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Where(pair => !Mentions(pair))
                .ToList();
            if (kept.Count == 0)
            {
                request.Headers.Remove("Cookie");
            }
            else
            {
                request.Headers.Cookie = string.Join("; ", kept);
            }
        }

        return taken;
    }

    /// <summary>Text that names one of our cookies anywhere, in any case.</summary>
    private static bool Mentions(string text) =>
        CookieMarks.Any(mark => text.Contains(mark, StringComparison.OrdinalIgnoreCase));

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;
}
