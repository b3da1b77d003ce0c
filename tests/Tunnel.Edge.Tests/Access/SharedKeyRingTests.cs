using System.Diagnostics;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Access;
using Tunnel.Edge.Config;
using Tunnel.Shared.Access;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Tests.Access;

/// <summary>The edge's data protection reads the key ring of the config snapshot, as soon as a snapshot brings one.</summary>
public sealed class SharedKeyRingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tunnel-edge-{Guid.NewGuid():N}");
    private readonly List<ServiceProvider> _edges = [];

    /// <summary>An edge's config store, Access state and data protection, as AccessSetup registers them.</summary>
    private (ConfigStore Config, IDataProtector Protector, ServiceProvider Services) NewEdge()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(Options.Create(new EdgeOptions { DataDirectory = Path.Combine(_dir, Guid.NewGuid().ToString("N")) }));
        services.AddSingleton<ConfigStore>();
        services.AddSingleton<AccessState>();
        services.AddSharedKeyRing();
        var provider = services.BuildServiceProvider();
        _edges.Add(provider);
        return (provider.GetRequiredService<ConfigStore>(), provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("login"), provider);
    }

    private static long _version;

    private static void Push(ConfigStore config, params string[] keys) => config.Apply(new ConfigSnapshot
    {
        Version = Interlocked.Increment(ref _version),
        AccessJson = AccessJson.Serialize(AccessSnapshot.Empty with { SessionKeys = keys }),
    });

    /// <summary>A key as the control plane sends it (made here by ASP.NET Core's own key manager).</summary>
    private static string NewKey()
    {
        var made = new MadeKeys();
        var services = new ServiceCollection().AddLogging();
        services.AddDataProtection().AddKeyManagementOptions(o => o.XmlRepository = made);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IKeyManager>().CreateNewKey(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(90));
        return made.Element!.ToString();
    }

    private sealed class MadeKeys : IXmlRepository
    {
        public XElement? Element { get; private set; }

        public IReadOnlyCollection<XElement> GetAllElements() => Element is null ? [] : [Element];

        public void StoreElement(XElement element, string friendlyName) => Element = element;
    }

    private static bool Reads(IDataProtector protector, string payload)
    {
        try
        {
            protector.Unprotect(payload);
            return true;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    [Fact]
    public void Edges_protect_with_the_snapshots_keys_only_and_pick_up_new_ones_at_once()
    {
        var (configA, a, servicesA) = NewEdge();
        var (configB, b, _) = NewEdge();

        // Before any snapshot: nothing to protect with, and the edge makes no key of its own.
        Assert.ThrowsAny<Exception>(() => a.Protect("state"));
        Assert.Throws<InvalidOperationException>(() => servicesA.GetRequiredService<IKeyManager>().CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)));

        // The ring that failed to load is read again once the snapshot arrives; another edge reads what this one protected.
        var first = NewKey();
        Push(configA, first);
        Push(configB, first);
        var state = a.Protect("login started at edge a");
        Assert.Equal("login started at edge a", b.Unprotect(state));

        // The control plane replaces the key: the edge protects with the new one without waiting for its daily refresh.
        var second = NewKey();
        Push(configA, second);
        var (configC, onlySecond, _) = NewEdge();
        Push(configC, second);
        var clock = Stopwatch.StartNew();
        while (!Reads(onlySecond, a.Protect("after the change")))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "edge a still protects with the key it read first");
            Thread.Sleep(20);
        }
    }

    public void Dispose()
    {
        foreach (var edge in _edges)
        {
            edge.Dispose();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
