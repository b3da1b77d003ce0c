namespace Tunnel.ControlPlane.Config;

/// <summary>
/// A version that moves forward on every change that edges must see, and a way to wait for the next one.
/// Seeded from the clock so versions keep increasing across restarts of the control plane.
/// </summary>
public sealed class ConfigChangeSignal
{
    private long _version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();

    public long Version => Interlocked.Read(ref _version);

    public void NotifyChanged()
    {
        TaskCompletionSource previous;
        lock (_lock)
        {
            _version++;
            previous = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    /// <summary>Returns once the version is past <paramref name="knownVersion"/>, or after <paramref name="maxWait"/>.</summary>
    public async Task<long> WaitForChangeAsync(long knownVersion, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_lock)
        {
            if (_version != knownVersion)
            {
                return _version;
            }

            changed = _changed.Task;
        }

        try
        {
            await changed.WaitAsync(maxWait, cancellationToken);
        }
        catch (TimeoutException)
        {
        }

        return Version;
    }
}
