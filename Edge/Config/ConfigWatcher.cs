using Grpc.Core;
using Microsoft.Extensions.Options;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Config;

/// <summary>Keeps a WatchConfig stream open to the control plane and applies each snapshot; retries with backoff.</summary>
public sealed class ConfigWatcher(
    ControlPlaneChannel channel,
    ConfigStore store,
    IOptions<EdgeOptions> options,
    ILogger<ConfigWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = channel.Client.WatchConfig(
                    new WatchConfigRequest { EdgeId = options.Value.Id, KnownVersion = store.Version },
                    cancellationToken: stoppingToken);
                await foreach (var snapshot in call.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    store.Apply(snapshot);
                    delay = TimeSpan.FromMilliseconds(500);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
            {
                logger.LogError("Control plane refused this edge: {Detail}", ex.Status.Detail);
            }
            catch (Exception ex)
            {
                logger.LogWarning("Control plane at {Url} unreachable ({Error}); serving config version {Version} from cache",
                    options.Value.ControlPlaneUrl, ex.Message, store.Version);
            }

            await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(250)), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }
}
