namespace Tunnel.Shared.Access;

/// <summary>Everything an edge needs to enforce Access, pushed by the control plane in the config snapshot.</summary>
/// <param name="SessionKeys">
/// The data-protection key ring every edge shares (ASP.NET Core <c>&lt;key&gt;</c> elements, secrets in clear): it
/// protects login state at the auth hostname, so a login started at one edge completes at another. Null from a
/// control plane older than this field.
/// </param>
public sealed record AccessSnapshot(
    IReadOnlyList<AccessApplication> Applications,
    IReadOnlyList<ServiceTokenConfig> ServiceTokens,
    IdentityProviderConfig? IdentityProvider,
    IReadOnlyList<SigningKeyConfig> SigningKeys,
    IReadOnlyDictionary<string, DateTimeOffset>? RevokedSessions = null,
    IReadOnlyList<string>? SessionKeys = null)
{
    public static readonly AccessSnapshot Empty = new([], [], null, []);

    /// <summary>Sessions of this person issued before this time are refused (lower-case email → time).</summary>
    public DateTimeOffset? RevokedBefore(string email) =>
        RevokedSessions?.TryGetValue(email.ToLowerInvariant(), out var at) == true ? at : null;
}

/// <summary>A service token as edges check it: its client id and the SHA-256 of its secret (base64).</summary>
public sealed record ServiceTokenConfig(string ClientId, string Name, string SecretHash, DateTimeOffset? ExpiresAt);

/// <summary>The identity provider the edges log people in with, at <paramref name="AuthHostname"/>.</summary>
public sealed record IdentityProviderConfig(string AuthHostname, string Authority, string ClientId, string ClientSecret, string Scopes, string GroupClaim);

/// <summary>An ECDSA P-256 key (PKCS#8 PEM) that signs identity tokens; the newest signs, older ones still verify.</summary>
public sealed record SigningKeyConfig(string Kid, string PrivateKeyPem, DateTimeOffset CreatedAt);
