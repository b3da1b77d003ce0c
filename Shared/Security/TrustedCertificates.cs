using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Tunnel.Shared.Security;

/// <summary>
/// TLS client settings for talking to our own parts: the system trust store, or a CA/certificate PEM
/// file given by the operator (the development certificate in a single-machine stack).
/// </summary>
public static class TrustedCertificates
{
    public static SocketsHttpHandler CreateHandler(string? caPemPath)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        Apply(handler.SslOptions, caPemPath);
        return handler;
    }

    public static void Apply(SslClientAuthenticationOptions options, string? caPemPath)
    {
        if (string.IsNullOrWhiteSpace(caPemPath))
        {
            return;
        }

        if (!File.Exists(caPemPath))
        {
            throw new FileNotFoundException($"CA certificate file {caPemPath} does not exist", caPemPath);
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caPemPath);
        options.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        options.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
    }
}
