using Grpc.Core;
using Tunnel.Edge.Config;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// Keeps this edge serving the cluster's ACME certificates: when the snapshot names a certificate this edge does not
/// hold (another edge ordered or renewed it), the pair is fetched from the control plane. No order is placed here.
/// </summary>
public sealed class CertificateSync(ConfigStore config, ControlPlaneChannel channel, AcmeCertificates certificates, ILogger<CertificateSync> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changed = new SemaphoreSlim(0);
        config.Changed += () => changed.Release();
        while (!stoppingToken.IsCancellationRequested)
        {
            var missing = config.CertificateStamps.Where(s => s.Thumbprint.Length > 0 && certificates.Thumbprint(s.Name) != s.Thumbprint).Select(s => s.Name).ToList();
            if (missing.Count > 0)
            {
                try
                {
                    var bundle = await channel.Client.FetchCertificatesAsync(new CertificateFetch { Names = { missing } },
                        deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: stoppingToken);
                    foreach (var pair in bundle.Certificates)
                    {
                        try
                        {
                            certificates.Put(pair.Name, pair.CertificatePem, pair.KeyPem);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            logger.LogWarning("The control plane's certificate of {Name} does not load (the one in service stays): {Error}", pair.Name, ex.Message);
                        }
                    }
                }
                catch (RpcException ex)
                {
                    logger.LogWarning("Could not fetch certificates {Names} from the control plane (retrying; what is held is served): {Error}",
                        string.Join(", ", missing), ex.Status.Detail);
                    await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                    continue;
                }
            }

            await changed.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
