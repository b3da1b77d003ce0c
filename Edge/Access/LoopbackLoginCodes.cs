using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Tunnel.Shared.Access;

namespace Tunnel.Edge.Access;

/// <summary>
/// Command-line logins (RFC 8252 with PKCE, RFC 7636): the browser carries only a one-minute, one-time code to the
/// client's loopback listener; the session is handed out only to whoever presents the code with the verifier whose
/// S256 challenge started the login. A listener that did not start the login gets a code it cannot use.
/// </summary>
public sealed class LoopbackLoginCodes(TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Pending> _codes = new(StringComparer.Ordinal);

    public string Issue(AccessApplication app, AccessIdentity who, string codeChallenge)
    {
        var now = clock.GetUtcNow();
        foreach (var (key, pending) in _codes)
        {
            if (pending.Expires <= now)
            {
                _codes.TryRemove(key, out _);
            }
        }

        var code = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        _codes[code] = new Pending(app.Id, who, codeChallenge, now + Lifetime);
        return code;
    }

    /// <summary>The identity the code was issued for, once, when the verifier matches its challenge; null otherwise.</summary>
    public (Guid App, AccessIdentity Who)? Redeem(string? code, string? verifier)
    {
        if (string.IsNullOrEmpty(code) || string.IsNullOrEmpty(verifier) || !_codes.TryRemove(code, out var pending)
            || pending.Expires <= clock.GetUtcNow())
        {
            return null;
        }

        var challenge = Encoding.ASCII.GetBytes(Challenge(verifier));
        return CryptographicOperations.FixedTimeEquals(challenge, Encoding.ASCII.GetBytes(pending.CodeChallenge)) ? (pending.App, pending.Who) : null;
    }

    public static string Challenge(string verifier) => WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    /// <summary>An S256 challenge is 43 base64url characters.</summary>
    public static bool IsChallenge(string? value) =>
        value is { Length: 43 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private sealed record Pending(Guid App, AccessIdentity Who, string CodeChallenge, DateTimeOffset Expires);
}
