using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tunnel.ControlPlane.Access;

namespace Tunnel.ControlPlane.Tests.Access;

public class EdgeSessionKeysTests
{
    private static readonly DateTimeOffset T0 = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>What an edge's data protection does with the keys it is sent: reads them, never makes its own.</summary>
    private static ServiceProvider EdgeWith(params string[] keys)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDataProtection().SetApplicationName("tunnel-edge").DisableAutomaticKeyGeneration()
            .AddKeyManagementOptions(o => o.XmlRepository = new FixedKeys(keys));
        return services.BuildServiceProvider();
    }

    private sealed class FixedKeys(string[] keys) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => keys.Select(k => XElement.Parse(k)).ToList();

        public void StoreElement(XElement element, string friendlyName) => throw new InvalidOperationException("an edge stores no key");
    }

    private static string NewKey(DateTimeOffset activates) =>
        EdgeSessionKeys.KeyElement(Guid.NewGuid(), activates, activates, activates + EdgeSessionKeys.Lifetime).ToString();

    private sealed record KeyDates(Guid Id, DateTimeOffset Created, DateTimeOffset Activates, DateTimeOffset Expires);

    private static List<KeyDates> Dates(IReadOnlyList<string>? keys) => (keys ?? []).Select(XElement.Parse).Select(k => new KeyDates(
        (Guid)k.Attribute("id")!, (DateTimeOffset)k.Element("creationDate")!, (DateTimeOffset)k.Element("activationDate")!,
        (DateTimeOffset)k.Element("expirationDate")!)).OrderBy(k => k.Activates).ToList();

    [Fact]
    public void A_key_the_control_plane_makes_is_read_by_asp_net_cores_key_manager_so_edges_read_each_others_data()
    {
        var now = DateTimeOffset.UtcNow;
        var key = NewKey(now.AddMinutes(-1));
        using var a = EdgeWith(key);
        using var b = EdgeWith(key);
        var read = Assert.Single(a.GetRequiredService<IKeyManager>().GetAllKeys());
        Assert.Equal(now.AddMinutes(-1) + EdgeSessionKeys.Lifetime, read.ExpirationDate);

        var state = a.GetRequiredService<IDataProtectionProvider>().CreateProtector("oidc state").Protect("login started at edge a");
        Assert.Equal("login started at edge a", b.GetRequiredService<IDataProtectionProvider>().CreateProtector("oidc state").Unprotect(state));

        // The key is what is shared: another ring cannot read it.
        using var stranger = EdgeWith(NewKey(now.AddMinutes(-1)));
        Assert.ThrowsAny<CryptographicException>(() => stranger.GetRequiredService<IDataProtectionProvider>().CreateProtector("oidc state").Unprotect(state));
    }

    [Fact]
    public async Task The_next_key_is_made_ahead_with_a_later_activation_and_expired_keys_are_dropped_after_the_retention()
    {
        await using var cp = new AccessHarness(T0);
        var first = Assert.Single(Dates((await cp.BuildAsync()).SessionKeys));
        Assert.Equal(new KeyDates(first.Id, T0, T0, T0 + EdgeSessionKeys.Lifetime), first); // the first key: active at once

        // The secret is kept protected at rest: the store never holds the key's material in clear.
        var secret = XElement.Parse((await cp.BuildAsync()).SessionKeys![0]).Descendants("value").Single().Value;
        Assert.DoesNotContain(secret, await cp.StoredSessionKeysAsync());

        cp.Clock.Now = T0 + TimeSpan.FromDays(75); // expires in 15 days: nothing due
        Assert.Equal([first], Dates((await cp.BuildAsync()).SessionKeys));

        cp.Clock.Now = T0 + TimeSpan.FromDays(77); // expires within 14 days: the next key, active 3 days from now
        var now = cp.Clock.Now;
        var ring = Dates((await cp.BuildAsync()).SessionKeys);
        Assert.Equal(2, ring.Count);
        Assert.Equal(first, ring[0]);
        Assert.Equal(new KeyDates(ring[1].Id, now, now + TimeSpan.FromDays(3), now + TimeSpan.FromDays(3) + EdgeSessionKeys.Lifetime), ring[1]);
        Assert.Equal(ring, Dates((await cp.BuildAsync()).SessionKeys)); // made once

        cp.Clock.Now = T0 + TimeSpan.FromDays(119); // the first expired 29 days ago: kept to read what it protected
        Assert.Equal(ring, Dates((await cp.BuildAsync()).SessionKeys));

        cp.Clock.Now = T0 + TimeSpan.FromDays(121); // 31 days: dropped
        Assert.Equal([ring[1]], Dates((await cp.BuildAsync()).SessionKeys));
    }

    [Fact]
    public async Task Edges_whose_streams_rotate_at_once_get_the_same_keys()
    {
        await using var cp = new AccessHarness(T0);
        await cp.BuildAsync();
        cp.Clock.Now = T0 + TimeSpan.FromDays(77); // both a signing key and a session key are due

        // One edge's stream read the settings, then another's rotated and saved before it.
        await using var slow = cp.Scope();
        await slow.ServiceProvider.GetRequiredService<Infrastructure.TunnelDbContext>().AccessSettings.SingleAsync();
        var fast = await cp.BuildAsync();
        var late = await slow.ServiceProvider.GetRequiredService<AccessSnapshotBuilder>().BuildAsync(CancellationToken.None);

        Assert.Equal(2, fast.SessionKeys!.Count);
        Assert.Equal(fast.SessionKeys, late.SessionKeys);
        Assert.Equal(fast.SigningKeys.Select(k => k.Kid), late.SigningKeys.Select(k => k.Kid));
        Assert.Equal(late.SessionKeys, (await cp.BuildAsync()).SessionKeys);
    }
}
