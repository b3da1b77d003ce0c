namespace Tunnel.ControlPlane.Inspection;

/// <summary>Ages captures out on time for tunnels that went quiet (a busy tunnel's are trimmed as new ones arrive).</summary>
public sealed class CaptureRetention(IServiceScopeFactory scopes, ILogger<CaptureRetention> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

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
                await scope.ServiceProvider.GetRequiredService<CaptureStore>().SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Could not age out old captures (trying again in {Minutes} min): {Error}", Interval.TotalMinutes, ex.Message);
            }
        }
    }
}
