using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Web;

namespace Tunnel.Connector.Access;

/// <summary>
/// Browser login for command-line clients (RFC 8252): the edge's login page sends the session token to a one-shot
/// listener on this machine's loopback, and the token is cached per hostname (owner-only file) until it expires.
/// </summary>
public static class AccessLogin
{
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(5);

    private static string CachePath(string hostname)
    {
        var home = Environment.GetEnvironmentVariable("TUNNEL_HOME")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".tunnel");
        return Path.Combine(home, "access", hostname.ToLowerInvariant() + ".token");
    }

    public static string? Cached(string hostname)
    {
        var path = CachePath(hostname);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    public static void Forget(string hostname) => File.Delete(CachePath(hostname));

    public static async Task<string> LoginAsync(string loginUrl, string hostname, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var url = new UriBuilder(loginUrl);
        var query = HttpUtility.ParseQueryString(url.Query);
        query["return"] = $"http://127.0.0.1:{port}/callback";
        url.Query = query.ToString();
        Console.Error.WriteLine($"{hostname} is protected by Access. Open this URL in a browser to log in (waiting up to {Wait.TotalMinutes:0} minutes):");
        Console.Error.WriteLine();
        Console.Error.WriteLine($"    {url.Uri.AbsoluteUri}");
        Console.Error.WriteLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Wait);
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(timeout.Token);
                await using var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(timeout.Token) ?? "";
                var target = requestLine.Split(' ') is [_, var t, ..] ? t : "";
                var token = target.StartsWith("/callback?", StringComparison.Ordinal) ? HttpUtility.ParseQueryString(target[10..])["token"] : null;
                var page = token is null ? "Not a login callback." : "Logged in. You can close this tab and go back to the terminal.";
                var body = Encoding.UTF8.GetBytes(page);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {(token is null ? "400 Bad Request" : "200 OK")}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), timeout.Token);
                await stream.WriteAsync(body, timeout.Token);
                if (token is not null)
                {
                    Save(hostname, token);
                    return token;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new Cli.CliException($"no login within {Wait.TotalMinutes:0} minutes; run the command again to get a new login URL");
        }
    }

    private static void Save(string hostname, string token)
    {
        var path = CachePath(hostname);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new StreamWriter(new FileStream(path, options));
        file.Write(token);
    }
}
