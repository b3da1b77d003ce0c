using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;

namespace Tunnel.Edge.Traffic;

/// <summary>Sends what <see cref="TrafficRecorder"/> counted to the control plane every <see cref="Interval"/>; a failed report is folded into the next.</summary>
public sealed class TrafficReporter(TrafficRecorder recorder, ControlPlaneChannel channel, IOptions<EdgeOptions> options,
    ILogger<TrafficReporter> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var (report, commit) = recorder.Take(options.Value.Id);
                if (report.Samples.Count == 0)
                {
                    continue;
                }

                try
                {
                    await channel.Client.ReportTrafficAsync(report, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken);
                    commit();
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogDebug("Could not report traffic to the control plane (sent with the next report): {Error}", ex.Message);
                }
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
