using Tunnel.Shared.Ingress;
using System.Net.Security;
using System.Net.Sockets;

namespace Tunnel.Connector.Ingress;

/// <summary>Opens the byte stream to an origin: TCP, a Unix socket, or TLS the connector originates for https:// services.</summary>
public sealed class OriginDialer
{
    /// <summary>Says when a plain-http origin that closed without answering is in fact an HTTPS server.</summary>
    public OriginTlsProbe? TlsProbe { get; init; }

    public async Task<Stream> ConnectAsync(OriginService service, OriginRequest options, CancellationToken cancellationToken)
    {
        var connectTimeout = options.ConnectTimeoutValue;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        Socket? socket = null;
        try
        {
            if (service.Kind == OriginKind.Unix)
            {
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(service.SocketPath), timeout.Token);
                return new NetworkStream(socket, ownsSocket: true);
            }

            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(service.Host, service.Port, timeout.Token);
            var stream = new NetworkStream(socket, ownsSocket: true);
            if (service.Kind != OriginKind.Https)
            {
                return stream;
            }

            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                await tls.AuthenticateAsClientAsync(TlsOptions(service, options), timeout.Token);
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
            {
                await tls.DisposeAsync();
                throw new OriginException($"TLS handshake with {service} failed: {ex.Message}");
            }

            return tls;
        }
        catch (SocketException ex)
        {
            socket?.Dispose();
            throw new OriginException(Describe(service, ex));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket?.Dispose();
            throw new OriginException($"connecting to {service} timed out after {connectTimeout.TotalSeconds:0} s");
        }
    }

    private static SslClientAuthenticationOptions TlsOptions(OriginService service, OriginRequest options)
    {
        var tls = new SslClientAuthenticationOptions { TargetHost = options.OriginServerName ?? service.Host };
        if (options.NoTlsVerify == true)
        {
            tls.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else
        {
            Tunnel.Shared.Security.TrustedCertificates.Apply(tls, options.CaPool);
        }

        return tls;
    }

    private static string Describe(OriginService service, SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => $"connection refused by {service}: is the origin running and listening there?",
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => $"DNS lookup of '{service.Host}' failed for {service}",
        SocketError.AddressNotAvailable when service.Kind == OriginKind.Unix => $"Unix socket {service.SocketPath} does not exist",
        SocketError.AccessDenied => $"permission denied connecting to {service}",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"{service} is unreachable from the connector's host",
        _ when service.Kind == OriginKind.Unix => $"Unix socket {service.SocketPath}: {ex.Message}",
        _ => $"connecting to {service} failed: {ex.Message}",
    };
}

public sealed class OriginException(string message) : Exception(message);
