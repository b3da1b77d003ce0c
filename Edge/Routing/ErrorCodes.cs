namespace Tunnel.Edge.Routing;

/// <summary>
/// Every code the edge puts in `X-Tunnel-Error` and on its pages, in one place: docs/troubleshooting.md has a section
/// (anchor = the code) for each, and a test holds the two together.
/// </summary>
public static class ErrorCodes
{
    // Routing: which tunnel serves the hostname, and is it online.
    public const string UnknownHost = "unknown_host";
    public const string NoConnector = "no_connector";
    public const string NoIngressRule = "no_ingress_rule";
    public const string TcpService = "tcp_service";
    public const string IngressRefused = "ingress_refused";

    // The origin behind the connector.
    public const string OriginUnreachable = "origin_unreachable";
    public const string OriginTimeout = "origin_timeout";
    public const string OriginError = "origin_error";

    // The request target (Edge/RequestTarget): refused when servers would read it in more than one way.
    public const string BadHost = "bad_host";
    public const string AmbiguousPath = "ambiguous_path";
    public const string BadHeader = "bad_header";
    public const string BadRequestBody = "bad_request_body";

    // Request limits (Edge/Hosting/RequestLimits.cs).
    public const string HeadersTooLarge = "headers_too_large";
    public const string BodyTooLarge = "body_too_large";
    public const string TooManyConcurrentRequests = "too_many_concurrent_requests";
    public const string RateLimited = "rate_limited";

    // Access (Edge/Access).
    public const string AccessRequired = "access_required";
    public const string AccessDenied = "access_denied";
    public const string AccessNoProvider = "access_no_provider";
    public const string AccessLoginFailed = "access_login_failed";
    public const string AccessUnavailable = "access_unavailable";
    public const string AccessProviderUnreachable = "access_provider_unreachable";
    public const string AccessBadLoginRequest = "access_bad_login_request";
    public const string AccessNoEmail = "access_no_email";
    public const string UnknownPath = "unknown_path";
    public const string SignedOut = "signed_out";

    /// <summary>All of the above, for the test that checks each has its section in the troubleshooting guide.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(ErrorCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();
}
