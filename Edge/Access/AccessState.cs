using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Tunnel.Edge.Config;
using Tunnel.Shared.Access;

namespace Tunnel.Edge.Access;

/// <summary>The Access part of the current config, parsed once per snapshot: applications, service tokens, provider, keys.</summary>
public sealed class AccessState
{
    private readonly ConfigStore _config;
    private readonly ILogger<AccessState> _logger;
    private volatile Parsed _current;

    public AccessState(ConfigStore config, ILogger<AccessState> logger)
    {
        _config = config;
        _logger = logger;
        _current = Parse(null);
        config.Changed += () =>
        {
            var previous = _current;
            _current = Parse(previous.SessionKeys);
            if (!ReferenceEquals(previous.SessionKeys, _current.SessionKeys))
            {
                previous.SessionKeys.Supersede(); // after the new ring is in place, so a refresh reads it
            }
        };
    }

    public AccessApplicationMatcher Matcher => _current.Matcher;
    public IdentityProviderConfig? Provider => _current.Snapshot.IdentityProvider;
    public IReadOnlyList<ECDsaSecurityKey> VerificationKeys => _current.Keys;
    public ECDsaSecurityKey? SigningKey => _current.Keys.Count > 0 ? _current.Keys[0] : null;
    /// <summary>The data-protection keys all edges share (login state at the auth hostname); the control plane makes them.</summary>
    public SessionKeyRing SessionKeys => _current.SessionKeys;
    public string? Issuer => Provider is { } p ? $"https://{p.AuthHostname}" : null;

    public DateTimeOffset? SessionsRevokedBefore(string email) => _current.Snapshot.RevokedBefore(email);

    public ServiceTokenConfig? FindServiceToken(string clientId) => _current.ServiceTokens.GetValueOrDefault(clientId);

    /// <summary>A service token that exists and has not expired.</summary>
    public ServiceTokenConfig? FindValidServiceToken(string clientId, DateTimeOffset now) =>
        FindServiceToken(clientId) is { } token && (token.ExpiresAt is null || token.ExpiresAt > now) ? token : null;

    public AccessApplication? FindApplication(Guid id) => _current.Snapshot.Applications.FirstOrDefault(a => a.Id == id);

    private Parsed Parse(SessionKeyRing? previousKeys)
    {
        var json = _config.AccessJson;
        AccessSnapshot snapshot;
        try
        {
            snapshot = json.Length == 0 ? AccessSnapshot.Empty : AccessJson.Deserialize<AccessSnapshot>(json) ?? AccessSnapshot.Empty;
        }
        catch (System.Text.Json.JsonException ex)
        {
            _logger.LogError("Access settings in the config are unreadable; no Access application is enforced: {Error}", ex.Message);
            snapshot = AccessSnapshot.Empty;
        }

        var keys = snapshot.SigningKeys.Select(k =>
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(k.PrivateKeyPem);
            return new ECDsaSecurityKey(ecdsa) { KeyId = k.Kid };
        }).ToList();
        return new Parsed(snapshot, keys, snapshot.ServiceTokens.ToDictionary(t => t.ClientId, StringComparer.Ordinal),
            AccessApplicationMatcher.Build(snapshot.Applications), SessionKeyRing.Of(snapshot.SessionKeys ?? [], previousKeys, _logger));
    }

    private sealed record Parsed(AccessSnapshot Snapshot, List<ECDsaSecurityKey> Keys, Dictionary<string, ServiceTokenConfig> ServiceTokens,
        AccessApplicationMatcher Matcher, SessionKeyRing SessionKeys);
}
