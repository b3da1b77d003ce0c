using Grpc.Core;
using Grpc.Net.Client;
using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.Connector.Connection;

/// <summary>
/// One HTTP/2 connection to the edge (its own channel, so its own TCP connection): registers on the Control
/// stream, heartbeats, and keeps a pool of parked Data calls. Returns or throws when the connection ends.
/// </summary>
public sealed class EdgeConnection(ConnectorSettings settings, Uri edgeUrl, ActiveIngress ingress, StreamActivity activity, int index, OriginDialer dialer, ILogger logger)
{
    /// <summary>Told the edges of the cluster each time the edge registers this connection.</summary>
    public Action<IEnumerable<string>>? OnEdgesLearned { get; init; }

    /// <summary>The reconnects of every connection of this connector process, whichever edge it is with.</summary>
    public ReconnectLog? Reconnects { get; init; }

    private readonly SemaphoreSlim _writeLock = new(1, 1); // heartbeats and Unregister share the Control stream
    private IClientStreamWriter<ConnectorMessage>? _control;

    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The edge accepted this connection's registration (what readiness counts).</summary>
    public bool IsRegistered { get; private set; }

    private static int inspectorShown; // once per process: every connection hears the same

    public async Task RunAsync(Action onRegistered, CancellationToken cancellationToken)
    {
        var handler = TrustedCertificates.CreateHandler(settings.EdgeCaPath);
        handler.InitialHttp2StreamWindowSize = 4 * 1024 * 1024;
        var channel = GrpcChannel.ForAddress(edgeUrl, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        // Two lifetimes: the connection in service (Control stream, heartbeats, parked calls), and the streams it
        // carries, which may outlive it when the edge asks the connector to move.
        var inService = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var streams = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var moving = false;
        try
        {
            moving = await ServeAsync(new TunnelEdge.TunnelEdgeClient(channel), onRegistered, inService, streams.Token);
        }
        finally
        {
            await inService.CancelAsync();
            inService.Dispose();
            if (moving)
            {
                _ = CloseWhenStreamsEndAsync(channel, streams, cancellationToken);
            }
            else
            {
                await streams.CancelAsync();
                streams.Dispose();
                channel.Dispose();
            }
        }
    }

    /// <summary>Runs the connection until it ends: false when it failed, true when the edge asked it to move.</summary>
    private async Task<bool> ServeAsync(TunnelEdge.TunnelEdgeClient client, Action onRegistered, CancellationTokenSource inService, CancellationToken streams)
    {
        var headers = new Metadata
        {
            { TunnelHeaders.TunnelId, settings.Token.TunnelId.ToString() },
            { TunnelHeaders.TunnelSecret, settings.Token.Secret },
        };

        using var control = client.Control(headers, cancellationToken: inService.Token);
        var registered = await RegisterAsync(control, inService.Token);
        logger.LogInformation("Connection {Index} registered with edge {EdgeId} at {EdgeUrl}", index, registered.EdgeId, edgeUrl);
        OnEdgesLearned?.Invoke(registered.Edges);
        var status = ingress.ApplyRemote(registered.IngressJson);
        if (index == 0 && registered.IngressJson.Length == 0)
        {
            foreach (var warning in registered.Warnings)
            {
                logger.LogWarning("{Warning}", warning); // once per connector: every connection hears the same
            }
        }

        if (registered.InspectorUrl.Length > 0 && Interlocked.Exchange(ref inspectorShown, 1) == 0)
        {
            logger.LogInformation("Traffic inspector: {InspectorUrl} (the tunnel's requests are captured)", registered.InspectorUrl);
        }

        IsRegistered = true;
        Reconnects?.Registered(index);
        onRegistered();
        _control = control.RequestStream;
        await WriteAsync(new ConnectorMessage { IngressStatus = status }, inService.Token);

        var dataHeaders = new Metadata { { TunnelHeaders.ConnectionId, registered.ConnectionId } };
        foreach (var entry in headers)
        {
            dataHeaders.Add(entry);
        }

        var pool = new DataStreamPool(client, dataHeaders, settings, ingress, activity, dialer, logger, this, inService.Token, streams);
        pool.Add(settings.DataStreamPool);

        var lastAck = DateTimeOffset.UtcNow;
        var heartbeats = HeartbeatAsync(() => lastAck, inService);
        try
        {
            await foreach (var message in control.ResponseStream.ReadAllAsync(inService.Token))
            {
                switch (message.KindCase)
                {
                    case EdgeMessage.KindOneofCase.HeartbeatAck:
                        lastAck = DateTimeOffset.UtcNow;
                        break;
                    case EdgeMessage.KindOneofCase.Demand:
                        pool.Add(Math.Clamp(message.Demand.Count, 1, 64));
                        break;
                    case EdgeMessage.KindOneofCase.IngressUpdate:
                        await WriteAsync(new ConnectorMessage { IngressStatus = ingress.ApplyRemote(message.IngressUpdate.IngressJson) }, inService.Token);
                        break;
                    case EdgeMessage.KindOneofCase.Drain:
                        logger.LogInformation("Edge {EdgeId} asked connection {Index} to move; its streams in flight finish first", registered.EdgeId, index);
                        return true;
                }
            }

            throw new IOException("the edge closed the control stream");
        }
        finally
        {
            await inService.CancelAsync();
            await heartbeats.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// After a move, the old HTTP/2 connection stays open for the streams it still carries: each ends between two
    /// requests or when its response is done (as in a connector's own drain), within the grace period.
    /// </summary>
    private async Task CloseWhenStreamsEndAsync(GrpcChannel channel, CancellationTokenSource streams, CancellationToken cancellationToken)
    {
        try
        {
            await activity.DrainConnectionAsync(this, StreamActivity.Quiet, settings.GracePeriod, cancellationToken);
        }
        finally
        {
            await streams.CancelAsync();
            streams.Dispose();
            channel.Dispose();
        }
    }

    private async Task<Registered> RegisterAsync(AsyncDuplexStreamingCall<ConnectorMessage, EdgeMessage> control, CancellationToken cancellationToken)
    {
        var register = new Register
        {
            ConnectorId = settings.ConnectorId, ConnectionIndex = index, Version = ConnectorSettings.Version, ReportsIngress = true,
            ReconnectsLastHour = Reconnects?.LastHour ?? 0, // this one, if it is a reconnect, counts from the next heartbeat
        };
        register.Ingress.AddRange((ingress.Local?.Rules ?? []).Select(r => new IngressRule
        {
            Hostname = r.Hostname,
            Path = r.Path,
            Service = r.Service.Text,
            HttpHostHeader = r.OriginRequest.HttpHostHeader ?? "",
        }));
        try
        {
            await control.RequestStream.WriteAsync(new ConnectorMessage { Register = register }, cancellationToken);
            if (await control.ResponseStream.MoveNext(cancellationToken) && control.ResponseStream.Current.Registered is { } registered)
            {
                return registered;
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
        {
            throw new TokenRefusedException($"tunnel token refused by edge at {edgeUrl}: {ex.Status.Detail}");
        }

        throw new IOException("the edge closed the control stream before confirming the registration");
    }

    /// <summary>Asks the edge to send no new streams over this connection; those in flight continue.</summary>
    public async Task UnregisterAsync()
    {
        try
        {
            await WriteAsync(new ConnectorMessage { Unregister = new Unregister() }, CancellationToken.None);
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The connection is gone already: nothing will come over it.
        }
    }

    private async Task WriteAsync(ConnectorMessage message, CancellationToken cancellationToken)
    {
        if (_control is not { } control)
        {
            return;
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await control.WriteAsync(message, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task HeartbeatAsync(Func<DateTimeOffset> lastAck, CancellationTokenSource lifetime)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        while (await timer.WaitForNextTickAsync(lifetime.Token))
        {
            if (DateTimeOffset.UtcNow - lastAck() > HeartbeatTimeout)
            {
                await lifetime.CancelAsync(); // the edge stopped answering: drop this connection and dial again
                return;
            }

            await WriteAsync(new ConnectorMessage
            {
                Heartbeat = new Heartbeat { SentUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ReconnectsLastHour = Reconnects?.LastHour ?? 0 },
            }, lifetime.Token);
        }
    }
}
