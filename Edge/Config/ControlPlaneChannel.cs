using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.Edge.Config;

/// <summary>The edge's one gRPC channel to the control plane, authenticated with the edge key.</summary>
public sealed class ControlPlaneChannel : IDisposable
{
    private readonly GrpcChannel _channel;

    public ControlPlaneChannel(IOptions<EdgeOptions> options)
    {
        var o = options.Value;
        var key = o.ControlPlaneKey ?? "";
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add(TunnelHeaders.EdgeKey, "Bearer " + key);
            return Task.CompletedTask;
        });
        _channel = GrpcChannel.ForAddress(o.ControlPlaneUrl, new GrpcChannelOptions
        {
            HttpHandler = TrustedCertificates.CreateHandler(o.ControlPlaneCa),
            Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials),
            // A snapshot grows with tunnels, hostnames, Access and placements: gRPC's 4 MB default would cut a large
            // cluster off its config.
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            // gRPC's default reconnect backoff grows to 2 minutes: a control plane back from an outage would wait
            // that long for this edge's config stream and reports.
            MaxReconnectBackoff = TimeSpan.FromSeconds(5),
        });
        Client = new ConfigService.ConfigServiceClient(_channel);
    }

    public ConfigService.ConfigServiceClient Client { get; }

    public void Dispose() => _channel.Dispose();
}
