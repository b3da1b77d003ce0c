namespace Tunnel.ControlPlane.Infrastructure;

/// <summary>
/// Housekeeping that runs every <see cref="Interval"/> in a scope of its own (its own database context); a failure
/// (the database down, say) is logged and tried again next time, and never stops the control plane.
/// </summary>
public abstract class PeriodicJob(IServiceScopeFactory scopes, ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    /// <summary>What the job does, for the log: "age out old captures".</summary>
    protected abstract string What { get; }

    protected abstract Task RunAsync(IServiceProvider services, CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await RunAsync(scope.ServiceProvider, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not {What} (trying again in {Interval}): {Error}", What, Interval, ex.Message);
            }
        }
    }
}
