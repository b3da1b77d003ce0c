namespace Tunnel.Edge.Config;

/// <summary>A hosted part of the edge that acts each time a new config snapshot is applied.</summary>
public abstract class ConfigChangeHandler(ConfigStore config) : IHostedService
{
    protected ConfigStore Config { get; } = config;

    protected abstract void OnConfigChanged();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Config.Changed += OnConfigChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Config.Changed -= OnConfigChanged;
        return Task.CompletedTask;
    }
}
