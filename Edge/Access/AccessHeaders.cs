namespace Tunnel.Edge.Access;

/// <summary>Names clients, browsers and origins see (ours, in the manner of Cloudflare's CF-Access-* headers).</summary>
public static class AccessHeaders
{
    public const string ClientId = "Tunnel-Access-Client-Id";
    public const string ClientSecret = "Tunnel-Access-Client-Secret";
    /// <summary>The signed identity every allowed request carries to the origin; copies sent by clients are removed.</summary>
    public const string Assertion = "Tunnel-Access-Jwt-Assertion";
    /// <summary>The session token from clients that keep no cookies (`tunnel access`).</summary>
    public const string SessionToken = "Tunnel-Access-Token";
    /// <summary>Where a 401 tells a non-browser client to log in.</summary>
    public const string LoginUrl = "Tunnel-Access-Login-Url";
    /// <summary>Paths under this prefix belong to the edge on every public hostname (the control plane's policy tester knows them too).</summary>
    public const string PathPrefix = Shared.Protocol.EdgePaths.Prefix;

    /// <summary>
    /// Cookie names: one session cookie per application, so applications on one hostname (by path) never share a
    /// session; `__Host-` makes browsers refuse them from a sibling domain or without Secure, Path=/ and host-only.
    /// </summary>
    public const string SessionCookiePrefix = "__Host-tunnel_access_";
    public const string LoginNonceCookiePrefix = "__Host-tunnel_login_";

    public static string SessionCookie(Guid app) => SessionCookiePrefix + app.ToString("N");

    public static string LoginNonceCookie(Guid app) => LoginNonceCookiePrefix + app.ToString("N");
}
