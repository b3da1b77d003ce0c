using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Tests.Config;

public class ConfigStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tunnel-edge-{Guid.NewGuid():N}");

    private ConfigStore NewStore() => new(Options.Create(new EdgeOptions { DataDirectory = _dir }), NullLogger<ConfigStore>.Instance);

    [Fact]
    public void A_new_edge_serves_the_last_snapshot_from_disk()
    {
        var first = NewStore();
        Assert.False(first.Loaded);
        var snapshot = new ConfigSnapshot { Version = 7 };
        var tunnel = new TunnelConfig { Id = Guid.NewGuid().ToString(), Name = "web", SecretHash = ByteString.CopyFrom(new byte[32]) };
        tunnel.Hostnames.Add("app.example.com");
        snapshot.Tunnels.Add(tunnel);
        first.Apply(snapshot);

        var restarted = NewStore();
        Assert.True(restarted.Loaded);
        Assert.Equal(7, restarted.Version);
        Assert.Equal("web", restarted.FindByHostname("APP.example.com")?.Name);
        Assert.Null(restarted.FindByHostname("other.example.com"));
    }

    [Fact]
    public void A_name_stored_in_another_spelling_is_found_by_its_normal_form()
    {
        // Routes and requests use the normal form (lower-case ASCII, no trailing dot); an older control plane may have
        // stored the name otherwise, and a derived rule route must still see whose it is.
        var store = NewStore();
        var snapshot = new ConfigSnapshot { Version = 1 };
        var tunnel = new TunnelConfig { Id = Guid.NewGuid().ToString(), Name = "old", SecretHash = ByteString.CopyFrom(new byte[32]) };
        tunnel.Hostnames.AddRange(["App.Example.com.", "bücher.example.com", "a:b.example.com"]);
        snapshot.Tunnels.Add(tunnel);
        store.Apply(snapshot);

        Assert.Equal("old", store.FindByHostname("app.example.com")?.Name);
        Assert.Equal("old", store.FindByHostname("xn--bcher-kva.example.com")?.Name);
    }

    [Fact]
    public void A_resend_of_the_same_content_does_not_signal_a_change()
    {
        var store = NewStore();
        var changes = 0;
        store.Changed += () => changes++;
        store.Apply(new ConfigSnapshot { Version = 1 });
        store.Apply(new ConfigSnapshot { Version = 2 });
        Assert.Equal(1, changes);
        Assert.Equal(2, store.Version);
    }

    [Fact]
    public void A_corrupt_cache_is_ignored()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(Path.Combine(_dir, "config-snapshot.pb"), [0xff, 0xff, 0xff]);
        Assert.False(NewStore().Loaded);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }
}
