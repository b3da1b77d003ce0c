using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Tunnel.Shared.Access;

namespace Tunnel.Edge.Access;

/// <summary>
/// The signed tokens of Access (ES256, keys from the control plane): the session token an application's cookie
/// holds, which is also the assertion origins receive, and the one-minute hand-off token that carries a login from
/// the auth hostname to the application's hostname. Audience = the application id, so a token of one application
/// is worthless at another.
/// </summary>
public sealed class AccessTokens(AccessState state, TimeProvider clock)
{
    public const string HandoffPurpose = "handoff";
    public const string SessionPurpose = "session";
    private static readonly TimeSpan HandoffLifetime = TimeSpan.FromSeconds(60);
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly ConcurrentDictionary<(Guid App, string ClientId), (string Token, string? Kid, DateTimeOffset RenewAt)> _serviceAssertions = new();

    /// <summary>
    /// The assertion for a service token's requests: signed once and reused until half its life is gone (or the key
    /// changes), instead of an ECDSA signature per request. Whether the token is still valid is checked per request
    /// before this is asked for.
    /// </summary>
    public string? ServiceTokenAssertion(AccessApplication app, AccessIdentity who)
    {
        var key = (app.Id, who.ServiceTokenClientId!);
        var now = clock.GetUtcNow();
        var kid = state.SigningKey?.KeyId;
        if (_serviceAssertions.TryGetValue(key, out var cached) && cached.RenewAt > now && cached.Kid == kid)
        {
            return cached.Token;
        }

        var token = IssueSession(app, who, "service_token");
        if (token is not null)
        {
            _serviceAssertions[key] = (token, kid, now + TimeSpan.FromMinutes(app.SessionMinutes) / 2);
        }

        return token;
    }

    public string? IssueSession(AccessApplication app, AccessIdentity who, string identityType) =>
        Issue(app, who, identityType, SessionPurpose, TimeSpan.FromMinutes(app.SessionMinutes));

    /// <summary>
    /// The one-minute, one-time token that carries a login to the application's hostname. It names the browser that
    /// asked (the nonce of its login cookie, when the login started at the gate) and the page to return to.
    /// </summary>
    public string? IssueHandoff(AccessApplication app, AccessIdentity who, string? nonce, string returnPath) =>
        Issue(app, who, "user", HandoffPurpose, HandoffLifetime, new()
        {
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["nonce"] = nonce ?? "",
            ["return"] = returnPath,
        });

    private string? Issue(AccessApplication app, AccessIdentity who, string identityType, string purpose, TimeSpan lifetime,
        Dictionary<string, object>? extra = null)
    {
        if (state.SigningKey is not { } key || state.Issuer is not { } issuer)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            ["email"] = who.Email ?? "",
            ["groups"] = who.Groups.Distinct(StringComparer.Ordinal).ToArray(),
            ["type"] = identityType,
            ["purpose"] = purpose,
            ["sub"] = who.Email ?? who.ServiceTokenClientId ?? "",
        };
        if (who.ServiceTokenClientId is { } clientId)
        {
            claims["common_name"] = clientId;
        }

        foreach (var (name, value) in extra ?? [])
        {
            claims[name] = value;
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = app.Id.ToString(),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        });
    }

    /// <summary>
    /// The identity a token of this application vouches for; null when it is forged, expired, for another
    /// application or of another purpose, or when what it names was revoked since: the person's sessions ended by an
    /// admin, or the service token deleted or expired (an origin's copy of an assertion dies with its token).
    /// </summary>
    public async Task<AccessIdentity?> ValidateAsync(string? token, AccessApplication app, string purpose, System.Net.IPAddress? clientIp) =>
        (await ValidateTokenAsync(token, app, purpose, clientIp))?.Who;

    /// <summary>A hand-off token's identity, the nonce of the browser it was minted for, its return path, id and expiry.</summary>
    public async Task<Handoff?> ValidateHandoffAsync(string? token, AccessApplication app, System.Net.IPAddress? clientIp)
    {
        if (await ValidateTokenAsync(token, app, HandoffPurpose, clientIp) is not { } valid)
        {
            return null;
        }

        var claims = valid.Claims;
        return claims.TryGetValue("jti", out var jti) && jti is string id && id.Length > 0
            ? new Handoff(valid.Who, Claim(claims, "nonce") ?? "", Claim(claims, "return") ?? "/", id, valid.Expires)
            : null;
    }

    private async Task<(AccessIdentity Who, IDictionary<string, object> Claims, DateTimeOffset Expires)?> ValidateTokenAsync(
        string? token, AccessApplication app, string purpose, System.Net.IPAddress? clientIp)
    {
        if (string.IsNullOrEmpty(token) || state.Issuer is not { } issuer || state.VerificationKeys.Count == 0)
        {
            return null;
        }

        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = app.Id.ToString(),
            IssuerSigningKeys = state.VerificationKeys,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ClockSkew = TimeSpan.FromSeconds(5),
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } e && e > clock.GetUtcNow().UtcDateTime && (notBefore is null || notBefore <= clock.GetUtcNow().UtcDateTime.AddSeconds(5)),
        });
        if (!result.IsValid || !result.Claims.TryGetValue("purpose", out var actual) || actual as string != purpose
            || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        var identity = result.ClaimsIdentity;
        var email = identity.FindFirst("email")?.Value;
        var serviceToken = identity.FindFirst("common_name")?.Value;
        if (Claim(result.Claims, "type") == "service_token")
        {
            if (serviceToken is null || state.FindValidServiceToken(serviceToken, clock.GetUtcNow()) is null)
            {
                return null; // the service token was revoked or expired after this was issued
            }
        }
        else if (string.IsNullOrEmpty(email) || (state.SessionsRevokedBefore(email) is { } revoked && jwt.IssuedAt <= revoked.UtcDateTime))
        {
            return null; // no person named, or an admin ended this person's sessions after this one began
        }

        var who = new AccessIdentity(string.IsNullOrEmpty(email) ? null : email, identity.FindAll("groups").Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList(),
            serviceToken, clientIp);
        return (who, result.Claims, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
    }

    private static string? Claim(IDictionary<string, object> claims, string name) => claims.TryGetValue(name, out var value) ? value as string : null;

    /// <summary>The public keys, for origins that verify assertions (JWKS).</summary>
    public object Jwks() => new
    {
        keys = state.VerificationKeys.Select(k =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(k);
            return new { kty = jwk.Kty, crv = jwk.Crv, x = jwk.X, y = jwk.Y, kid = k.KeyId, use = "sig", alg = "ES256" };
        }),
    };
}

/// <summary>A validated hand-off: who logged in, the nonce of the browser it is for ("" when none), where to return.</summary>
public sealed record Handoff(AccessIdentity Who, string Nonce, string ReturnPath, string Id, DateTimeOffset Expires);
