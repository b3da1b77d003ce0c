namespace Tunnel.Shared.Hosting;

/// <summary>
/// `dotnet Tunnel.X.dll probe URL`: what a container health check runs, since the runtime images have no curl.
/// GETs a URL on this machine and exits 0 on a 2xx answer, 1 otherwise (saying why). Loopback only, so the
/// certificate need not be checked: it is the service's own, often a development one.
/// </summary>
public static class HealthProbe
{
    public static void RunIfAsked(string[] args)
    {
        if (args is ["probe", var url])
        {
            Environment.Exit(Run(url));
        }
    }

    public static int Run(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.IsLoopback)
        {
            Console.Error.WriteLine($"probe: '{url}' is not a loopback http(s) URL");
            return 2;
        }

        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = client.GetAsync(uri).GetAwaiter().GetResult();
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            Console.Error.WriteLine($"probe: {url} answered {(int)response.StatusCode}: {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"probe: {url}: {ex.Message}");
            return 1;
        }
    }
}
