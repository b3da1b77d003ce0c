using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Tunnel.Connector.Cli;
using Tunnel.Shared.Security;

namespace Tunnel.Connector.Access;

/// <summary>A service token for Access (client id and secret), from flags or the environment.</summary>
public sealed record ServiceToken(string ClientId, string ClientSecret);

/// <summary>
/// Opens the WebSocket to the edge that carries one TCP connection to a hostname's TCP service. Under Access it
/// presents a service token, or the cached login, and logs in through the browser when the edge asks for it.
/// </summary>
public sealed class EdgeWebSocketClient(Uri url, string? edgeAddress, string? caPath, ServiceToken? serviceToken = null)
{
    private static readonly SemaphoreSlim LoginLock = new(1, 1);

    public Uri Url { get; } = url;

    public static EdgeWebSocketClient Create(string hostname, string? edgeAddress, string? caPath, ServiceToken? serviceToken = null)
    {
        var text = hostname.Contains("://", StringComparison.Ordinal) ? hostname : "wss://" + hostname;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new CliException($"--hostname '{hostname}' is not a hostname (e.g. ssh.example.com or ssh.example.com:8443)", 2);
        }

        var scheme = uri.Scheme is "http" or "ws" ? "ws" : "wss";
        return new EdgeWebSocketClient(new UriBuilder(uri) { Scheme = scheme, Path = "/", Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri, edgeAddress, caPath, serviceToken);
    }

    public async Task<WebSocket> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ConnectOnceAsync(cancellationToken);
        }
        catch (AccessRequiredException required) when (serviceToken is null)
        {
            // One login at a time: connections accepted meanwhile wait for it and then use its token.
            await LoginLock.WaitAsync(cancellationToken);
            try
            {
                if (AccessLogin.Cached(Url.Host) == required.PresentedToken)
                {
                    await AccessLogin.LoginAsync(required.LoginUrl, Url.Host, CreateHandler, cancellationToken);
                }
            }
            finally
            {
                LoginLock.Release();
            }

            return await ConnectOnceAsync(cancellationToken);
        }
    }

    /// <summary>
    /// An HTTP handler that trusts the edge's CA and dials --edge-address when given (for the edge and its auth
    /// hostname); without it, *.localhost names go to this machine (RFC 6761), which the system resolver may not know.
    /// </summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        TrustedCertificates.Apply(handler.SslOptions, caPath);
        var target = edgeAddress is null ? null : ParseAddress(edgeAddress);
        handler.ConnectCallback = async (context, ct) =>
        {
            // Dial this address but keep the hostname for TLS and Host, like curl --resolve.
            var host = target?.Host ?? (IsLocalhost(context.DnsEndPoint.Host) ? "localhost" : context.DnsEndPoint.Host);
            var port = target is { Port: > 0 } ? target.Port : context.DnsEndPoint.Port;
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(host, port, ct);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            return new NetworkStream(socket, ownsSocket: true);
        };
        return handler;
    }

    private static bool IsLocalhost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.TrimEnd('.').EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);

    private async Task<WebSocket> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        var handler = CreateHandler();
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        var cached = serviceToken is null ? AccessLogin.Cached(Url.Host) : null;
        if (serviceToken is not null)
        {
            socket.Options.SetRequestHeader("Tunnel-Access-Client-Id", serviceToken.ClientId);
            socket.Options.SetRequestHeader("Tunnel-Access-Client-Secret", serviceToken.ClientSecret);
        }
        else if (cached is not null)
        {
            socket.Options.SetRequestHeader("Tunnel-Access-Token", cached);
        }

        try
        {
            await socket.ConnectAsync(Url, new HttpMessageInvoker(handler), cancellationToken);
            return socket;
        }
        catch (WebSocketException ex)
        {
            var reason = socket.HttpResponseHeaders?.GetValueOrDefault("X-Tunnel-Error-Detail")?.FirstOrDefault();
            var login = socket.HttpResponseHeaders?.GetValueOrDefault("Tunnel-Access-Login-Url")?.FirstOrDefault();
            var status = socket.HttpStatusCode;
            socket.Dispose();
            if (status == HttpStatusCode.Unauthorized && login is not null)
            {
                if (serviceToken is not null)
                {
                    throw new CliException($"the edge refused the service token for {Url.Host}: {reason}");
                }

                throw new AccessRequiredException(login, cached);
            }

            var dialed = edgeAddress ?? $"{Url.Host}:{Url.Port}";
            throw new CliException(reason is not null ? $"the edge refused the connection to {Url.Host} ({(int)status}): {reason}"
                : status is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.Redirect
                    ? $"{Url.Host} answered as a web site ({(int)status}), not a TCP service: its ingress rule is http://, not tcp:// or ssh://"
                : $"cannot open a tunnel connection to {Url.Host} (dialed {dialed}): {ex.GetBaseException().Message}. " +
                  "If the edge's public port is not 443 or the name does not resolve to the edge, pass --edge-address HOST:PORT (or give the hostname as HOST:PORT)");
        }
    }

    private sealed class AccessRequiredException(string loginUrl, string? presentedToken) : Exception("Access login required")
    {
        public string LoginUrl { get; } = loginUrl;
        public string? PresentedToken { get; } = presentedToken;
    }

    private static DnsEndPoint ParseAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address[(colon + 1)..], out var port)
            ? new DnsEndPoint(address[..colon].Trim('[', ']'), port)
            : new DnsEndPoint(address, 0);
    }
}
