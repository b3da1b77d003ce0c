using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Access;

/// <summary>Sends the refusals <see cref="AccessDecisionLog"/> queued to the control plane, in batches.</summary>
public sealed class AccessDecisionReporter(AccessDecisionLog log, ControlPlaneChannel channel, IOptions<EdgeOptions> options,
    ILogger<AccessDecisionReporter> logger) : BackgroundService
{
    private const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = log.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var report = new AccessDecisionReport { EdgeId = options.Value.Id };
                while (report.Decisions.Count < BatchSize && reader.TryRead(out var record))
                {
                    report.Decisions.Add(record);
                }

                try
                {
                    await channel.Client.ReportAccessDecisionsAsync(report, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The control plane is down: these are lost (the edge's log has each refusal), and the next wait
                    // lets the queue fill and drop rather than hold requests.
                    logger.LogWarning("Could not send {Count} Access refusals to the control plane: {Error}", report.Decisions.Count, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
                }
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping (gRPC reports a cancelled call as RpcException, not OperationCanceledException).
        }
    }
}
