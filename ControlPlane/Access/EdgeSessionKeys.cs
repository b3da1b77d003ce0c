using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;

namespace Tunnel.ControlPlane.Access;

/// <summary>
/// The data-protection key ring all edges share, for login state at the auth hostname (OIDC correlation and nonce,
/// the <c>tunnel_auth</c> session, antiforgery): a login started at one edge completes at any other. Only the control
/// plane makes keys. A key lives <see cref="Lifetime"/>; its successor is made <see cref="RenewBefore"/> its expiry
/// and becomes active <see cref="ActivationDelay"/> later, once every edge has it (edges re-read the ring on each
/// config push, and at least daily). Expired keys still read old cookies for <see cref="Retention"/>.
/// </summary>
public static class EdgeSessionKeys
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(14);
    public static readonly TimeSpan ActivationDelay = TimeSpan.FromDays(3);
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    /// <summary>A key as stored: dates in clear for rotation, the whole &lt;key&gt; element (with its secret) protected.</summary>
    public sealed record StoredKey(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset ActivatesAt, DateTimeOffset ExpiresAt, string ProtectedXml);

    /// <summary>The keys to keep at <paramref name="now"/>, or null when nothing is due: a successor when the newest key expires soon, expired keys dropped after the retention.</summary>
    public static List<StoredKey>? Rotate(IReadOnlyList<StoredKey> keys, DateTimeOffset now, Func<string, string> protect)
    {
        var kept = keys.Where(k => k.ExpiresAt + Retention > now).ToList();
        var changed = kept.Count != keys.Count;
        var newest = kept.MaxBy(k => k.ExpiresAt);
        if (newest is null || newest.ExpiresAt - now <= RenewBefore)
        {
            // The first key is needed at once (nothing can be protected without one); a successor waits until every
            // edge knows it, or an edge that has not yet seen it could not read what another protected with it.
            var activates = newest is null ? now : now + ActivationDelay;
            var id = Guid.NewGuid();
            var expires = activates + Lifetime;
            kept.Add(new StoredKey(id, now, activates, expires, protect(KeyElement(id, now, activates, expires).ToString(SaveOptions.DisableFormatting))));
            changed = true;
        }

        return changed ? kept.OrderBy(k => k.ActivatesAt).ToList() : null;
    }

    /// <summary>
    /// A new key as ASP.NET Core's XmlKeyManager writes and reads it: a fresh AES-256-CBC + HMACSHA256 descriptor (the
    /// library's default algorithms) from the library's own configuration types, in a version 1 &lt;key&gt; element.
    /// </summary>
    public static XElement KeyElement(Guid id, DateTimeOffset created, DateTimeOffset activates, DateTimeOffset expires)
    {
        var descriptor = new AuthenticatedEncryptorConfiguration().CreateNewDescriptor().ExportToXml();
        return new XElement("key",
            new XAttribute("id", id),
            new XAttribute("version", 1),
            new XElement("creationDate", created),
            new XElement("activationDate", activates),
            new XElement("expirationDate", expires),
            new XElement("descriptor",
                new XAttribute("deserializerType", descriptor.DeserializerType.AssemblyQualifiedName!),
                descriptor.SerializedDescriptorElement));
    }
}
