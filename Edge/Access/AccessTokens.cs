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

    public string? IssueHandoff(AccessApplication app, AccessIdentity who) => Issue(app, who, "user", HandoffPurpose, HandoffLifetime);

    private string? Issue(AccessApplication app, AccessIdentity who, string identityType, string purpose, TimeSpan lifetime)
    {
        if (state.SigningKey is not { } key || state.Issuer is not { } issuer)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            ["email"] = who.Email ?? "",
            ["groups"] = who.Groups.ToArray(),
            ["type"] = identityType,
            ["purpose"] = purpose,
            ["sub"] = who.Email ?? who.ServiceTokenClientId ?? "",
        };
        if (who.ServiceTokenClientId is { } clientId)
        {
            claims["common_name"] = clientId;
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

    /// <summary>The identity a token of this application vouches for; null when it is forged, expired, for another application or of another purpose.</summary>
    public async Task<AccessIdentity?> ValidateAsync(string? token, AccessApplication app, string purpose, System.Net.IPAddress? clientIp)
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
        if (!result.IsValid || !result.Claims.TryGetValue("purpose", out var actual) || actual as string != purpose)
        {
            return null;
        }

        var identity = result.ClaimsIdentity;
        var email = identity.FindFirst("email")?.Value;
        if (!string.IsNullOrEmpty(email) && state.SessionsRevokedBefore(email) is { } revoked
            && result.SecurityToken is JsonWebToken jwt && jwt.IssuedAt <= revoked.UtcDateTime)
        {
            return null; // an admin ended this person's sessions after this one began
        }

        return new AccessIdentity(string.IsNullOrEmpty(email) ? null : email, identity.FindAll("groups").Select(c => c.Value).ToList(),
            identity.FindFirst("common_name")?.Value, clientIp);
    }

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
