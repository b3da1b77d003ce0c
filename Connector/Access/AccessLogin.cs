using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;

namespace Tunnel.Connector.Access;

/// <summary>
/// Browser login for command-line clients (RFC 8252): the edge's login page sends a one-time code to a listener on
/// this machine's loopback, the client exchanges it for the session token, and the token is cached per hostname
/// (owner-only file) until it expires.
/// </summary>
public static class AccessLogin
{
    private static readonly TimeSpan Wait = TimeSpan.FromMinutes(5);

    private const string Suffix = ".token";

    private static string CacheDirectory => Path.Combine(Environment.GetEnvironmentVariable("TUNNEL_HOME")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".tunnel"), "access");

    private static string CachePath(string hostname) => Path.Combine(CacheDirectory, hostname.ToLowerInvariant() + Suffix);

    public static string? Cached(string hostname)
    {
        var path = CachePath(hostname);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    /// <summary>Deletes the cached login of one hostname; false when there was none.</summary>
    public static bool Forget(string hostname)
    {
        var path = CachePath(hostname);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>Deletes every cached login; returns the hostnames they were for.</summary>
    public static IReadOnlyList<string> ForgetAll()
    {
        if (!Directory.Exists(CacheDirectory))
        {
            return [];
        }

        var hostnames = new List<string>();
        foreach (var path in Directory.EnumerateFiles(CacheDirectory, "*" + Suffix))
        {
            File.Delete(path);
            hostnames.Add(Path.GetFileName(path)[..^Suffix.Length]);
        }

        return hostnames;
    }

    /// <summary>
    /// RFC 8252 with PKCE (RFC 7636): the login URL carries a random state and the S256 challenge of a secret
    /// verifier; the browser brings back a one-time code and the state to this listener, which ignores anything
    /// with another state, and the code is exchanged for the session only together with the verifier.
    /// </summary>
    public static async Task<string> LoginAsync(string loginUrl, string hostname, Func<HttpMessageHandler> handler, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var state = Base64Url(RandomNumberGenerator.GetBytes(24));
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var url = new UriBuilder(loginUrl);
        var query = HttpUtility.ParseQueryString(url.Query);
        query["return"] = $"http://127.0.0.1:{port}/callback";
        query["state"] = state;
        query["code_challenge"] = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        query["code_challenge_method"] = "S256";
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
                var parameters = target.StartsWith("/callback?", StringComparison.Ordinal) ? HttpUtility.ParseQueryString(target[10..]) : null;
                var code = parameters?["code"];
                var stateMatches = parameters?["state"] is { } s && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(state));
                string? token = null;
                string page;
                if (code is null || !stateMatches)
                {
                    page = "Not the login this command started; it is still waiting for its own.";
                }
                else
                {
                    (token, page) = await RedeemAsync(url.Uri, code, verifier, handler, timeout.Token);
                }

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

    /// <summary>Exchanges the code and verifier at the auth hostname (the login URL's host) for the session token.</summary>
    private static async Task<(string? Token, string Page)> RedeemAsync(Uri loginUrl, string code, string verifier, Func<HttpMessageHandler> handler, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(handler()) { Timeout = TimeSpan.FromSeconds(20) };
        var endpoint = new UriBuilder(loginUrl) { Path = "/.tunnel/token", Query = "" }.Uri;
        try
        {
            using var response = await http.PostAsync(endpoint, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code", ["code"] = code, ["code_verifier"] = verifier,
            }), cancellationToken);
            var json = await response.Content.ReadFromJsonAsync(Cli.CliJson.Default.JsonElement, cancellationToken);
            if (response.IsSuccessStatusCode && json.TryGetProperty("token", out var token) && token.GetString() is { Length: > 0 } value)
            {
                return (value, "Logged in. You can close this tab and go back to the terminal.");
            }

            var detail = json.TryGetProperty("detail", out var d) ? d.GetString() : $"HTTP {(int)response.StatusCode}";
            return (null, $"The login could not be completed: {detail}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
        {
            return (null, $"The login could not be completed: {endpoint.Host} did not answer ({ex.GetBaseException().Message}).");
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

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
