using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Access;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Access;

/// <summary>Every change to Access (applications, service tokens, identity provider): validated, audited, pushed to edges.</summary>
public sealed class AccessCatalog(TunnelDbContext db, AuditLog audit, ConfigChangeSignal signal, TimeProvider clock, IDataProtectionProvider protection)
{
    public const string ClientIdSuffix = ".access";
    private IDataProtector Protector => protection.CreateProtector("tunnel.access.secrets");

    public async Task<List<AccessApplication>> ListApplicationsAsync(CancellationToken ct) =>
        (await db.AccessApplications.AsNoTracking().OrderBy(a => a.Name).ToListAsync(ct)).Select(ToModel).ToList();

    public async Task<Outcome<AccessApplication>> SaveApplicationAsync(Guid? id, string? name, IReadOnlyList<string>? domains,
        int? sessionMinutes, IReadOnlyList<AccessPolicy>? policies, CancellationToken ct)
    {
        if (AccessApplicationRules.Error(name, domains, sessionMinutes ?? 1440, policies) is { } error)
        {
            return Outcome<AccessApplication>.Fail(FailureKind.Invalid, error);
        }

        var entity = id is { } existing ? await db.AccessApplications.FirstOrDefaultAsync(a => a.Id == existing, ct) : null;
        if (id is not null && entity is null)
        {
            return Outcome<AccessApplication>.Fail(FailureKind.NotFound, $"no Access application with id '{id}'");
        }

        if (await db.AccessApplications.AnyAsync(a => a.Name == name && a.Id != (id ?? Guid.Empty), ct))
        {
            return Outcome<AccessApplication>.Fail(FailureKind.Conflict, $"an Access application named '{name}' already exists");
        }

        if (entity is null)
        {
            entity = new AccessApplicationEntity { Id = Guid.NewGuid(), Name = name!, DomainsJson = "[]", PoliciesJson = "[]", CreatedAt = clock.GetUtcNow() };
            db.AccessApplications.Add(entity);
        }

        entity.Name = name!;
        entity.DomainsJson = AccessJson.Serialize(domains!.Select(d => { var (h, p) = AccessDomain.Split(d); return h + p; }).ToList());
        entity.SessionMinutes = sessionMinutes ?? 1440;
        entity.PoliciesJson = AccessJson.Serialize(policies);
        audit.Record(id is null ? "access_app.create" : "access_app.update", entity.Name, detail: $"{policies!.Count} policies on {string.Join(", ", domains!)}");
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return ToModel(entity);
    }

    public async Task<Outcome<AccessApplication>> DeleteApplicationAsync(Guid id, CancellationToken ct)
    {
        var entity = await db.AccessApplications.FirstOrDefaultAsync(a => a.Id == id, ct);
        if (entity is null)
        {
            return Outcome<AccessApplication>.Fail(FailureKind.NotFound, $"no Access application with id '{id}'");
        }

        db.AccessApplications.Remove(entity);
        audit.Record("access_app.delete", entity.Name);
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return ToModel(entity);
    }

    public Task<List<ServiceTokenEntity>> ListServiceTokensAsync(CancellationToken ct) =>
        db.ServiceTokens.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct);

    /// <summary>A new service token; the secret is returned once and only its hash is kept.</summary>
    public async Task<Outcome<(ServiceTokenEntity Token, string Secret)>> CreateServiceTokenAsync(string? name, int? expiresInDays, CancellationToken ct)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 64 || name.Any(char.IsControl))
        {
            return Outcome<(ServiceTokenEntity, string)>.Fail(FailureKind.Invalid, "a service token needs a name of 1 to 64 printable characters");
        }

        if (expiresInDays is < 1 or > 3650)
        {
            return Outcome<(ServiceTokenEntity, string)>.Fail(FailureKind.Invalid, "expiresInDays must be between 1 and 3650, or left out");
        }

        var secret = SecretHash.NewSecret();
        var now = clock.GetUtcNow();
        var token = new ServiceTokenEntity
        {
            Id = Guid.NewGuid(),
            Name = name,
            ClientId = Guid.NewGuid().ToString("N") + ClientIdSuffix,
            SecretHash = SecretHash.Hash(secret),
            CreatedAt = now,
            ExpiresAt = expiresInDays is { } days ? now.AddDays(days) : null,
        };
        db.ServiceTokens.Add(token);
        audit.Record("service_token.create", name);
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return (token, secret);
    }

    public async Task<Outcome<ServiceTokenEntity>> RevokeServiceTokenAsync(Guid id, CancellationToken ct)
    {
        var token = await db.ServiceTokens.FirstOrDefaultAsync(t => t.Id == id, ct);
        if (token is null)
        {
            return Outcome<ServiceTokenEntity>.Fail(FailureKind.NotFound, $"no service token with id '{id}'");
        }

        token.RevokedAt ??= clock.GetUtcNow();
        audit.Record("service_token.revoke", token.Name);
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return token;
    }

    public async Task<Outcome<AccessSettingsEntity>> SetIdentityProviderAsync(string? authHostname, string? authority, string? clientId,
        string? clientSecret, string? scopes, string? groupClaim, ProviderDiscovery? discovery, CancellationToken ct)
    {
        if (!NameRules.TryNormalizeHostname(authHostname, out var host, out var hostError) || host.StartsWith("*.", StringComparison.Ordinal))
        {
            return Outcome<AccessSettingsEntity>.Fail(FailureKind.Invalid, $"authHostname: {(host.StartsWith('*') ? "may not be a wildcard" : hostError)}");
        }

        if (!Uri.TryCreate(authority, UriKind.Absolute, out var authorityUri) || authorityUri.Scheme is not ("https" or "http"))
        {
            return Outcome<AccessSettingsEntity>.Fail(FailureKind.Invalid, "authority must be the provider's issuer URL, e.g. https://login.example.com");
        }

        if (string.IsNullOrWhiteSpace(clientId) || string.IsNullOrWhiteSpace(clientSecret))
        {
            return Outcome<AccessSettingsEntity>.Fail(FailureKind.Invalid, "clientId and clientSecret are required (register the redirect URI https://AUTH_HOSTNAME/.tunnel/callback-oidc at the provider)");
        }

        if (await db.Hostnames.AsNoTracking().AnyAsync(h => h.Name == host, ct))
        {
            return Outcome<AccessSettingsEntity>.Fail(FailureKind.Invalid,
                $"authHostname: {host} is routed to a tunnel; the login hostname must be a name of its own (e.g. auth.example.com), or that tunnel's site would be replaced by the login pages");
        }

        if (discovery is not null && await discovery.CheckAsync(authorityUri, ct) is { } problem)
        {
            return Outcome<AccessSettingsEntity>.Fail(FailureKind.Invalid,
                $"authority: {problem}. Nothing was saved. (If only the edges can reach the provider, skip this check: --skip-check.)");
        }

        var settings = await LoadSettingsAsync(ct);
        settings.AuthHostname = host;
        settings.Authority = authority;
        settings.ClientId = clientId;
        settings.ProtectedClientSecret = Protector.Protect(clientSecret);
        settings.Scopes = string.IsNullOrWhiteSpace(scopes) ? "openid profile email" : scopes;
        settings.GroupClaim = string.IsNullOrWhiteSpace(groupClaim) ? "groups" : groupClaim;
        audit.Record("access.identity_provider", host, detail: $"authority {authority}, client {clientId}");
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return settings;
    }

    /// <summary>Ends every Access session of a person now: edges refuse their session tokens from the next config push.</summary>
    public async Task<Outcome<string>> RevokeSessionsAsync(string? email, CancellationToken ct)
    {
        email = email?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(email) || !email.Contains('@') || email.Length > 320)
        {
            return Outcome<string>.Fail(FailureKind.Invalid, "give the email address whose sessions to end");
        }

        var settings = await LoadSettingsAsync(ct);
        var revoked = AccessJson.Deserialize<Dictionary<string, DateTimeOffset>>(settings.RevokedSessionsJson) ?? [];
        revoked[email] = clock.GetUtcNow();
        settings.RevokedSessionsJson = AccessJson.Serialize(revoked);
        audit.Record("access.revoke_sessions", email);
        await db.SaveChangesAsync(ct);
        signal.NotifyChanged();
        return email;
    }

    public async Task<AccessSettingsEntity> LoadSettingsAsync(CancellationToken ct)
    {
        var settings = await db.AccessSettings.FirstOrDefaultAsync(ct);
        if (settings is null)
        {
            settings = new AccessSettingsEntity();
            db.AccessSettings.Add(settings);
        }

        return settings;
    }

    internal string Unprotect(string protectedText) => Protector.Unprotect(protectedText);

    internal string Protect(string text) => Protector.Protect(text);

    internal static AccessApplication ToModel(AccessApplicationEntity e) =>
        new(e.Id, e.Name, JsonSerializer.Deserialize<List<string>>(e.DomainsJson) ?? [], e.SessionMinutes,
            AccessJson.Deserialize<List<AccessPolicy>>(e.PoliciesJson) ?? []);
}
