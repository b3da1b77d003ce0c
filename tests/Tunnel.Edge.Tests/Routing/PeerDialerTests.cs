using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Edge.Connectors;
using Tunnel.Edge.Peering;
using Tunnel.Edge.Routing;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Tests.Routing;

/// <summary>A peer address the snapshot carries is another edge's (or an edge-key holder's) text: one bad one fails only itself.</summary>
public sealed class PeerDialerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"tunnel-edge-{Guid.NewGuid():N}");

    [Theory]
    [InlineData("http://edge-2:7846")] // gRPC refuses TLS credentials on an http address
    [InlineData("https://")] // not a URI at all
    public async Task A_peer_whose_address_cannot_be_dialed_is_skipped_like_one_that_is_down(string badUrl)
    {
        var tunnel = new TunnelConfig { Id = Guid.NewGuid().ToString(), Name = "t", SecretHash = ByteString.CopyFrom(new byte[32]) };
        tunnel.Placements.Add(new Placement { EdgeId = "edge-2", IngressVersion = "local", Connections = 1 });
        tunnel.Placements.Add(new Placement { EdgeId = "edge-3", IngressVersion = "local", Connections = 1 });
        var snapshot = new ConfigSnapshot { Version = 1 };
        snapshot.Tunnels.Add(tunnel);
        snapshot.Edges.Add(new EdgeInfo { EdgeId = "edge-2", PeerUrl = badUrl });
        snapshot.Edges.Add(new EdgeInfo { EdgeId = "edge-3", PeerUrl = "https://127.0.0.1:1" }); // nothing listens

        // Certificates set: peers are checked against system trust, no CA file needed.
        var options = Options.Create(new EdgeOptions
        {
            Id = "edge-1", DataDirectory = _dir, ControlPlaneKey = "k", Certificates = [new CertificateFiles { CertificatePath = "c", KeyPath = "k" }],
        });
        var store = new ConfigStore(options, NullLogger<ConfigStore>.Instance);
        store.Apply(snapshot);
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var registry = new ConnectorRegistry();
        using var channels = new PeerChannels(options, new PeerKey(options));
        var health = new Peering.PeerHealth(TimeProvider.System);
        var dialer = new PeerDialer(store, channels, health, options,
            new Telemetry.EdgeMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), registry, store), NullLogger<PeerDialer>.Instance);

        // Round robin: one of two attempts starts with the bad address; each tries both and says no peer could open.
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<TunnelUnavailableException>(() => dialer.OpenAsync(tunnel.Id, "local", 1, "http://127.0.0.1:2", "", CancellationToken.None));
        }

        Assert.False(health.IsHealthy("edge-2"));
        Assert.False(health.IsHealthy("edge-3"));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
