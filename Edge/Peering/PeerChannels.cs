using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Peering;

/// <summary>One gRPC channel per peer edge (TLS, HTTP/2, several connections when streams pile up), carrying the peer key.</summary>
public sealed class PeerChannels(IOptions<EdgeOptions> options, PeerKey key) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<EdgePeer.EdgePeerClient>> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<GrpcChannel> _channels = [];

    /// <summary>What peers' certificates must chain to: Edge:PeerCa, else the development CA edges of one machine share.</summary>
    private string? TrustedCa => options.Value.PeerCa
        ?? (options.Value.Certificates.Count == 0 ? Path.Combine(options.Value.DataDirectory, "certs", DevCertificateAuthority.CaFileName) : null);

    public EdgePeer.EdgePeerClient For(string peerUrl) => _clients.GetOrAdd(peerUrl, url => new Lazy<EdgePeer.EdgePeerClient>(() =>
    {
        var handler = TrustedCertificates.CreateHandler(TrustedCa);
        // Many tunnel streams share the peer link: more than 100 concurrent ones go over further connections,
        // and windows as large as the connector link's so a bulk transfer through the peer is not throttled.
        handler.EnableMultipleHttp2Connections = true;
        handler.ConnectTimeout = TimeSpan.FromSeconds(3); // a peer that does not answer is skipped, not waited for
        handler.InitialHttp2StreamWindowSize = 4 * 1024 * 1024;
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add(TunnelHeaders.EdgeKey, "Bearer " + key.Value);
            return Task.CompletedTask;
        });
        var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = handler,
            Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials),
            // gRPC's default reconnect backoff grows to 2 minutes: a restarted peer would stay skipped that long.
            MaxReconnectBackoff = TimeSpan.FromSeconds(5),
        });
        _channels.Add(channel);
        return new EdgePeer.EdgePeerClient(channel);
    })).Value;

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
