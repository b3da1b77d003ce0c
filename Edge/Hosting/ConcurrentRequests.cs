using System.Collections.Concurrent;

namespace Tunnel.Edge.Hosting;

/// <summary>
/// Counts public requests in flight per connection, per (hostname, client address) and per hostname. Each tunnel
/// stream a request holds is a connector resource shared by every user of the tunnel, so no single client may hold
/// more than its share however many connections or HTTP/2 streams it opens.
/// </summary>
internal sealed class ConcurrentRequests
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public IDisposable? TryEnter(HttpContext context, string host, EdgeOptions options, out (int Status, string Detail)? refusal)
    {
        string[] keys = [$"c|{context.Connection.Id}", $"i|{host}|{context.Connection.RemoteIpAddress}", $"h|{host}"];
        int[] limits = [options.MaxConcurrentRequestsPerConnection, options.MaxConcurrentRequestsPerClientIp, options.MaxConcurrentRequestsPerHostname];
        for (var i = 0; i < keys.Length; i++)
        {
            if (_counts.AddOrUpdate(keys[i], 1, (_, n) => n + 1) > limits[i])
            {
                for (var j = 0; j <= i; j++)
                {
                    Leave(keys[j]);
                }

                refusal = Refusal(i, host, limits[i]);
                return null;
            }
        }

        refusal = null;
        return new Slot(this, keys);
    }

    /// <summary>The page for the bound that was hit (formatted only then, not per request).</summary>
    private static (int Status, string Detail) Refusal(int bound, string host, int limit) => bound switch
    {
        0 => (StatusCodes.Status429TooManyRequests, $"This connection has {limit} requests in flight, the most one connection may have; wait for some to finish."),
        1 => (StatusCodes.Status429TooManyRequests, $"Your address has {limit} requests to {host} in flight, the most one client may have; wait for some to finish."),
        _ => (StatusCodes.Status503ServiceUnavailable, $"{host} has {limit} requests in flight, the most it takes at once; try again in a moment."),
    };

    private void Leave(string key)
    {
        var left = _counts.AddOrUpdate(key, 0, (_, n) => n - 1);
        if (left <= 0)
        {
            // Remove only if still zero: another request may have entered since.
            _counts.TryRemove(new KeyValuePair<string, int>(key, 0));
        }
    }

    private sealed class Slot(ConcurrentRequests owner, string[] keys) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                foreach (var key in keys)
                {
                    owner.Leave(key);
                }
            }
        }
    }
}
