using System.Security.Cryptography.X509Certificates;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane;

internal static class HttpsSetup
{
    /// <summary>HTTPS on every endpoint: the configured PEM pair, else the development certificate.</summary>
    public static void UseControlPlaneHttps(this IWebHostBuilder webHost, ControlPlaneOptions options)
    {
        if (options.CertificatePath is { Length: > 0 } cert)
        {
            var certificate = X509Certificate2.CreateFromPemFile(cert, options.CertificateKeyPath);
            webHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
            return;
        }

        var devCa = DevCertificateAuthority.LoadOrCreate(Path.Combine(options.DataDirectory, "certs"));
        webHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificateSelector = (_, name) => devCa.ServerCertificate(name)));
    }
}
