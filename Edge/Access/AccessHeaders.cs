namespace Tunnel.Edge.Access;

/// <summary>Names clients, browsers and origins see (ours, in the manner of Cloudflare's CF-Access-* headers).</summary>
public static class AccessHeaders
{
    public const string ClientId = "Tunnel-Access-Client-Id";
    public const string ClientSecret = "Tunnel-Access-Client-Secret";
    /// <summary>The signed identity every allowed request carries to the origin; copies sent by clients are removed.</summary>
    public const string Assertion = "Tunnel-Access-Jwt-Assertion";
    /// <summary>The application's session cookie (host-only, Secure, HttpOnly, SameSite=Lax).</summary>
    public const string SessionCookie = "tunnel_access";
    /// <summary>The same session token from clients that keep no cookies (`tunnel access`).</summary>
    public const string SessionToken = "Tunnel-Access-Token";
    /// <summary>Where a 401 tells a non-browser client to log in.</summary>
    public const string LoginUrl = "Tunnel-Access-Login-Url";
    public const string PathPrefix = "/.tunnel/";
}
