using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Tunnel.Edge.Access;

/// <summary>
/// ASP.NET Core's XML key manager over <see cref="SnapshotKeyRepository"/>, whose cache expires when a snapshot brings
/// other keys (the stock one expires only when it makes or revokes a key itself, so an edge would keep an old ring for
/// up to a day). Making and revoking keys is the control plane's job.
/// </summary>
public sealed class SnapshotKeyManager(IKeyManager xml, AccessState state) : IKeyManager
{
    private const string Refused = "Edges do not make or revoke data-protection keys: the control plane does, and sends them in the config.";

    public IReadOnlyCollection<IKey> GetAllKeys() => xml.GetAllKeys();

    public CancellationToken GetCacheExpirationToken() => state.SessionKeys.Superseded;

    public IKey CreateNewKey(DateTimeOffset activationDate, DateTimeOffset expirationDate) => throw new InvalidOperationException(Refused);

    public void RevokeKey(Guid keyId, string? reason = null) => throw new InvalidOperationException(Refused);

    public void RevokeAllKeys(DateTimeOffset revocationDate, string? reason = null) => throw new InvalidOperationException(Refused);
}
