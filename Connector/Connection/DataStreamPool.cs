using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using Tunnel.Connector.Ingress;
using Tunnel.Shared.Ingress;
using Tunnel.Shared.Protocol;

namespace Tunnel.Connector.Connection;

/// <summary>
/// Keeps Data calls parked at the edge on one connection. When the edge claims one (its first frame names an
/// origin service), the pool opens a replacement and the claimed call becomes a byte pipe to the origin.
/// </summary>
/// <param name="parking">Ends the parked (unclaimed) calls: the connection is moving or closing.</param>
/// <param name="lifetime">Ends everything, streams being served included: the connection is gone.</param>
public sealed class DataStreamPool(
    TunnelEdge.TunnelEdgeClient client,
    Metadata headers,
    ConnectorSettings settings,
    ActiveIngress ingress,
    StreamActivity activity,
    OriginDialer dialer,
    ILogger logger,
    object connection,
    CancellationToken parking,
    CancellationToken lifetime)
{
    private int _idle;

    public void Add(int count)
    {
        if (activity.Draining || parking.IsCancellationRequested)
        {
            return; // stopping or moving: park no new calls
        }

        for (var i = 0; i < count; i++)
        {
            Interlocked.Increment(ref _idle);
            _ = Task.Run(RunOneAsync);
        }
    }

    private async Task RunOneAsync()
    {
        try
        {
            using var call = client.Data(headers, cancellationToken: lifetime);
            var opened = false;
            try
            {
                opened = await call.ResponseStream.MoveNext(parking);
            }
            finally
            {
                if (Interlocked.Decrement(ref _idle) < settings.DataStreamPool && opened && !parking.IsCancellationRequested)
                {
                    Add(1);
                }
            }

            if (opened && call.ResponseStream.Current.Open is { } open)
            {
                await ServeAsync(call, open);
            }
        }
        catch (Exception ex) when (parking.IsCancellationRequested || ex is RpcException or IOException or OperationCanceledException)
        {
            logger.LogDebug("Data stream ended: {Error}", ex.Message);
        }
    }

    private async Task ServeAsync(AsyncDuplexStreamingCall<DataFrame, DataFrame> call, OpenStream open)
    {
        Telemetry.ConnectorTelemetry.StreamStarted();
        // Tracked from the moment the edge asks, so a drain never ends while a stream is still dialing its origin.
        using var pumpFailed = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        var tracked = activity.Begin(pumpFailed, connection);
        try
        {
            if (await DialAsync(call, open, tracked) is { } dialed)
            {
                if (!await PumpAsync(call, dialed.Origin, pumpFailed, tracked) && tracked.Http)
                {
                    dialer.TlsProbe?.AfterSilentClose(dialed.Service);
                }
            }
        }
        finally
        {
            activity.End(tracked);
            Telemetry.ConnectorTelemetry.StreamEnded();
        }
    }

    /// <summary>Opens the origin the edge named, or refuses the stream with the reason; traced as a child of the edge's request.</summary>
    private async Task<(Stream Origin, OriginService Service)?> DialAsync(AsyncDuplexStreamingCall<DataFrame, DataFrame> call, OpenStream open, StreamActivity.Entry tracked)
    {
        using var span = Telemetry.ConnectorTelemetry.StartDial(open.Service, open.Traceparent);
        var rule = ingress.Current?.FindRule(open.Rule, open.Service);
        var service = rule?.Service;
        if (rule is null || service is null || service.Kind == OriginKind.HttpStatus)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "no ingress rule");
            await RefuseAsync(call, $"this connector has no ingress rule for service '{open.Service}'");
            return null;
        }

        tracked.Http = service.Kind is OriginKind.Http or OriginKind.Https or OriginKind.Unix;
        try
        {
            return (await tracked.BusyAsync(() => dialer.ConnectAsync(service, rule.OriginRequest, lifetime)), service);
        }
        catch (OriginException ex)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            logger.LogWarning("Origin {Service} unreachable: {Reason}", service, ex.Message);
            await RefuseAsync(call, ex.Message);
            return null;
        }
    }

    /// <summary>Pipes both ways until either side ends; false when the origin closed without sending a byte.</summary>
    private async Task<bool> PumpAsync(AsyncDuplexStreamingCall<DataFrame, DataFrame> call, Stream origin, CancellationTokenSource pumpFailed, StreamActivity.Entry tracked)
    {
        await using (origin)
        {
            await call.RequestStream.WriteAsync(new DataFrame { Result = new OpenResult { Ok = true } });
            var toEdge = CopyOriginToEdgeAsync(origin, call, pumpFailed, tracked);
            try
            {
                await foreach (var frame in call.ResponseStream.ReadAllAsync(pumpFailed.Token))
                {
                    // False once the stream is ending: what the edge sent since is not delivered (it may resend it).
                    await tracked.ToOriginAsync(frame.Data.Memory, () => origin.WriteAsync(frame.Data.Memory, pumpFailed.Token));
                }
            }
            catch (Exception ex) when (ex is IOException or RpcException or OperationCanceledException)
            {
                // Edge gone or origin write failed: closing the origin below ends the other direction too.
            }
            finally
            {
                await origin.DisposeAsync();
            }

            return await toEdge;
        }
    }

    private static async Task<bool> CopyOriginToEdgeAsync(Stream origin, AsyncDuplexStreamingCall<DataFrame, DataFrame> call, CancellationTokenSource failed, StreamActivity.Entry tracked)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(TunnelHeaders.MaxFrameBytes);
        var answered = false;
        try
        {
            int n;
            while ((n = await origin.ReadAsync(buffer, tracked.Reading.Token)) > 0)
            {
                answered = true;
                // Wrapping without a copy is safe: the frame is serialized before WriteAsync completes.
                await tracked.ToEdgeAsync(() => new ValueTask(call.RequestStream.WriteAsync(new DataFrame { Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, n)) }, failed.Token)));
            }

            await call.RequestStream.CompleteAsync(); // origin closed cleanly: the edge reads end-of-stream
        }
        catch (OperationCanceledException) when (tracked.Ending && !failed.IsCancellationRequested)
        {
            // Drained between two requests: a clean end-of-stream, which the edge's HTTP client takes for a closed
            // kept-alive connection. Then the call is given a moment for the edge to end it before it is reset.
            try
            {
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is IOException or RpcException or InvalidOperationException)
            {
            }

            failed.CancelAfter(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is IOException or RpcException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Origin reset or edge gone: reset the call so the edge sees a broken stream, not a clean end.
            failed.Cancel();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return answered;
    }

    /// <summary>
    /// Sends the reason and lets the edge end the call: disposing the call right away would reset the stream,
    /// and the edge could lose the reason with it.
    /// </summary>
    private async Task RefuseAsync(AsyncDuplexStreamingCall<DataFrame, DataFrame> call, string error)
    {
        await call.RequestStream.WriteAsync(new DataFrame { Result = new OpenResult { Ok = false, Error = error } }, lifetime);
        await call.RequestStream.CompleteAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
        }
    }
}
