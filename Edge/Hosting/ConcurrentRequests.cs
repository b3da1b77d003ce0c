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
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        (string Key, int Limit, int Status, string Detail)[] bounds =
        [
            ($"c|{context.Connection.Id}", options.MaxConcurrentRequestsPerConnection, StatusCodes.Status429TooManyRequests,
                $"This connection has {options.MaxConcurrentRequestsPerConnection} requests in flight, the most one connection may have; wait for some to finish."),
            ($"i|{host}|{client}", options.MaxConcurrentRequestsPerClientIp, StatusCodes.Status429TooManyRequests,
                $"Your address has {options.MaxConcurrentRequestsPerClientIp} requests to {host} in flight, the most one client may have; wait for some to finish."),
            ($"h|{host}", options.MaxConcurrentRequestsPerHostname, StatusCodes.Status503ServiceUnavailable,
                $"{host} has {options.MaxConcurrentRequestsPerHostname} requests in flight, the most it takes at once; try again in a moment."),
        ];
        for (var i = 0; i < bounds.Length; i++)
        {
            if (_counts.AddOrUpdate(bounds[i].Key, 1, (_, n) => n + 1) > bounds[i].Limit)
            {
                for (var j = 0; j <= i; j++)
                {
                    Leave(bounds[j].Key);
                }

                refusal = (bounds[i].Status, bounds[i].Detail);
                return null;
            }
        }

        refusal = null;
        return new Slot(this, bounds.Select(b => b.Key).ToArray());
    }

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
