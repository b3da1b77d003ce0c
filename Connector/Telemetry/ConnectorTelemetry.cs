using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Tunnel.Shared.Hosting;

namespace Tunnel.Connector.Telemetry;

/// <summary>
/// The connector's traces and metrics (source and meter Tunnel.Connector), exported over OTLP when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set: a span per origin dial under the edge's request span, reconnects, streams.
/// </summary>
public sealed class ConnectorTelemetry : IDisposable
{
    public const string Name = Shared.Hosting.Telemetry.Prefix + "Connector";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    private static readonly Counter<long> Reconnects = Meter.CreateCounter<long>("tunnel.connector.reconnects", "{connection}", "Edge connections re-established after a loss");
    private static readonly UpDownCounter<long> Connections = Meter.CreateUpDownCounter<long>("tunnel.connector.connections", "{connection}", "Connections registered at the edge now");
    private static readonly UpDownCounter<long> Streams = Meter.CreateUpDownCounter<long>("tunnel.connector.active_streams", "{stream}", "Streams to origins open now");
    private readonly IDisposable? _tracing;
    private readonly IDisposable? _metrics;

    public ConnectorTelemetry()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            return;
        }

        var resource = ResourceBuilder.CreateDefault().AddService("tunnel-connector");
        _tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(Name).AddOtlpExporter().Build();
        _metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(Name).AddOtlpExporter().Build();
    }

    public static void Reconnected() => Reconnects.Add(1);

    public static void ConnectionRegistered(int delta) => Connections.Add(delta);

    public static void StreamStarted() => Streams.Add(1);

    /// <summary>
    /// A span for dialing the origin of a new stream, child of the edge request that asked for it when the edge sent
    /// its trace context. It ends once the origin answers: a kept-alive stream may carry many later requests.
    /// </summary>
    public static Activity? StartDial(string service, string traceparent)
    {
        ActivityContext.TryParse(traceparent, null, out var parent);
        return Source.StartActivity("tunnel.origin.dial", ActivityKind.Server, parent, [new("tunnel.service", service)]);
    }

    public static void StreamEnded() => Streams.Add(-1);

    public void Dispose()
    {
        _tracing?.Dispose();
        _metrics?.Dispose();
    }
}
