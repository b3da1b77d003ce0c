namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>Waits on a condition instead of sleeping.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last = default!;
        Exception? error = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                error = null;
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception ex)
            {
                error = ex;
            }

            await Task.Delay(100);
        }

        var detail = error?.Message ?? (last is HttpResponseMessage response
            ? $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}"
            : last?.ToString());
        throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds} s; last: {detail}");
    }
}
