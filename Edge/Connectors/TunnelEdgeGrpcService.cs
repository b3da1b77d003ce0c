using Grpc.Core;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Connectors;

/// <summary>The connector-facing gRPC service: thin; registration and pooling live in the registry and connections.</summary>
public sealed class TunnelEdgeGrpcService(
    ConnectorAuthenticator authenticator,
    ConnectorRegistry registry,
    Config.ConfigStore config,
    Microsoft.Extensions.Options.IOptions<EdgeOptions> options,
    ILogger<TunnelEdgeGrpcService> logger) : TunnelEdge.TunnelEdgeBase
{
    private static readonly TimeSpan RegisterTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The most a connector's own rules may take (protobuf bytes): some 500 rules of usual length.</summary>
    private const int MaxLocalIngressBytes = 64 * 1024;

    public override async Task Control(IAsyncStreamReader<ConnectorMessage> requestStream, IServerStreamWriter<EdgeMessage> responseStream, ServerCallContext context)
    {
        var tunnel = authenticator.Authenticate(context);
        var registration = await ReadRegistrationAsync(requestStream, context.CancellationToken);
        var ruleBytes = registration.Ingress.Sum(r => r.CalculateSize());
        if (ruleBytes > MaxLocalIngressBytes)
        {
            // The rules go into this edge's report and, through the snapshot, to every edge: unbounded, one
            // connector could push both past gRPC's 4 MB and stop the config (revocations too) reaching the edges.
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"the connector's own ingress rules take {ruleBytes} bytes; an edge takes at most 64 KiB (they travel to every edge of the cluster): " +
                "manage a larger rule set in the control plane (tunnel ingress set)"));
        }

        using var connection = new ConnectorConnection(tunnel.Id, tunnel.SecretHash.ToByteArray(), registration, context.Peer, responseStream, context.CancellationToken);
        if (!registry.TryAdd(connection, options.Value.MaxConnectionsPerTunnel))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"tunnel {tunnel.Name} has {options.Value.MaxConnectionsPerTunnel} connections on this edge already (Edge:MaxConnectionsPerTunnel)"));
        }
        // Unregister the moment the transport dies, not when this handler gets to its finally: requests in
        // between would otherwise try the connection's already-aborted parked calls.
        using var unregister = context.CancellationToken.Register(() => registry.Remove(connection));
        logger.LogInformation("Connector {ConnectorId} connection {Index} registered for tunnel {Tunnel} from {Peer} ({Rules} ingress rules)",
            connection.ConnectorId, connection.Index, tunnel.Name, context.Peer, connection.Ingress.Count);
        try
        {
            // The connector's own rules whose hostname is not routed here: a typo shows up in its log, not as a bare 404.
            var warnings = RuleCoverage.UnroutedRules(connection.Ingress.Select(r => r.Hostname), tunnel.Hostnames, tunnel.Name);
            await connection.SendRegisteredAsync(options.Value.Id, () => config.FindTunnel(tunnel.Id)?.IngressJson ?? "", warnings, ConnectorAddresses(),
                tunnel.Capture is null ? "" : config.InspectorUrl(tunnel.Id));
            await foreach (var message in requestStream.ReadAllAsync(connection.Closed))
            {
                if (message.KindCase == ConnectorMessage.KindOneofCase.Unregister)
                {
                    // The connector is stopping: no new streams here; the ones in flight go on over their own calls.
                    registry.Drain(connection);
                    connection.ReleaseIdle();
                    logger.LogInformation("Connector {ConnectorId} connection {Index} of tunnel {Tunnel} is draining", connection.ConnectorId, connection.Index, tunnel.Name);
                }
                else if (message.KindCase == ConnectorMessage.KindOneofCase.IngressStatus)
                {
                    if (await connection.ApplyStatusAsync(message.IngressStatus))
                    {
                        if (connection.Rejected is { } rejected)
                        {
                            logger.LogWarning("Connector {ConnectorId} connection {Index} of tunnel {Tunnel} refused ingress version {Version} ({Reason}); it serves version {Serving}",
                                connection.ConnectorId, connection.Index, tunnel.Name, rejected.Version, rejected.Reason, connection.Served!.Version);
                        }

                        registry.NotifyChanged(); // routes follow what the connection serves; the control plane hears of it
                    }
                }
                else if (message.KindCase == ConnectorMessage.KindOneofCase.Heartbeat)
                {
                    connection.LastHeartbeat = DateTimeOffset.UtcNow;
                    if (message.Heartbeat.HasReconnectsLastHour)
                    {
                        connection.ConnectorReconnectsLastHour = message.Heartbeat.ReconnectsLastHour;
                    }

                    await connection.SendAsync(new EdgeMessage { HeartbeatAck = new HeartbeatAck { SentUnixMs = message.Heartbeat.SentUnixMs } });
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException)
        {
            // The connector went away or the edge dropped it; either way the connection is over.
        }
        finally
        {
            registry.Remove(connection);
            logger.LogInformation("Connector {ConnectorId} connection {Index} of tunnel {Tunnel} closed", connection.ConnectorId, connection.Index, tunnel.Name);
        }
    }

    public override async Task Data(IAsyncStreamReader<DataFrame> requestStream, IServerStreamWriter<DataFrame> responseStream, ServerCallContext context)
    {
        var tunnel = authenticator.Authenticate(context);
        var connectionId = context.RequestHeaders.GetValue(TunnelHeaders.ConnectionId);
        var connection = connectionId is null ? null : registry.Find(connectionId);
        if (connection is null || !string.Equals(connection.TunnelId, tunnel.Id, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "data call names no registered connection of this tunnel"));
        }

        var call = new ParkedDataCall(requestStream, responseStream, context.CancellationToken);
        registry.Park(connection, call);
        // An unclaimed call ends with its connection; a claimed one lives as long as its own HTTP/2 stream, so the
        // request it carries finishes when the connector moves (Drain) or unregisters.
        CancellationTokenRegistration whenClosed;
        try
        {
            whenClosed = connection.Closed.Register(static c => ((ParkedDataCall)c!).CompleteIfUnclaimed(), call);
        }
        catch (ObjectDisposedException)
        {
            return; // the connection is gone already
        }

        using (whenClosed)
        using (var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, connection.Revoked))
        {
            await call.Completion.WaitAsync(ended.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Where the connector may place its connections: every edge that advertises a connector address (this one
    /// included), so its connections spread over edges; none when this edge advertises none (one shared address).
    /// </summary>
    private IEnumerable<string> ConnectorAddresses()
    {
        if (options.Value.ConnectorUrl is not { Length: > 0 } own)
        {
            return [];
        }

        return config.Edges.Select(e => e.ConnectorUrl).Where(u => u.Length > 0).Append(own).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal);
    }

    private static async Task<Register> ReadRegistrationAsync(IAsyncStreamReader<ConnectorMessage> requestStream, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RegisterTimeout);
        if (!await requestStream.MoveNext(timeout.Token) || requestStream.Current.KindCase != ConnectorMessage.KindOneofCase.Register)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message on a Control stream must be Register"));
        }

        // No rules is fine: a remotely-managed tunnel's connector gets them from the control plane.
        return requestStream.Current.Register;
    }
}
