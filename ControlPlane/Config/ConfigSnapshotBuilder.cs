using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Config;

/// <summary>Reads the store into the snapshot edges route by.</summary>
public sealed class ConfigSnapshotBuilder(TunnelDbContext db, Access.AccessSnapshotBuilder access, Microsoft.Extensions.Options.IOptions<ControlPlaneOptions> options)
{
    public async Task<ConfigSnapshot> BuildAsync(long version, CancellationToken cancellationToken)
    {
        var tunnels = await db.Tunnels.AsNoTracking().Include(t => t.Hostnames).ToListAsync(cancellationToken);
        var capture = await db.CaptureSettings.AsNoTracking().Where(s => s.Enabled).ToDictionaryAsync(s => s.TunnelId, cancellationToken);
        var snapshot = new ConfigSnapshot
        {
            Version = version, DashboardUrl = options.Value.DashboardUrl ?? "",
            QuickDomain = options.Value.QuickTunnels.Enabled ? options.Value.QuickTunnels.Domain : "",
        };
        foreach (var t in tunnels.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var config = new TunnelConfig { Id = t.Id.ToString(), Name = t.Name, SecretHash = ByteString.CopyFrom(t.SecretHash), IngressJson = t.IngressJson ?? "", Quick = t.Quick };
            config.Hostnames.AddRange(t.Hostnames.Select(h => h.Name).Order(StringComparer.Ordinal));
            if (capture.GetValueOrDefault(t.Id) is { } s)
            {
                var settings = new CaptureSettings { BodyLimit = s.BodyLimitBytes, Full = s.Full };
                settings.Hostnames.AddRange(Inspection.CaptureSettingsStore.List(s.Hostnames));
                settings.RedactHeaders.AddRange(Inspection.CaptureSettingsStore.List(s.RedactHeaders));
                settings.RedactFields.AddRange(Inspection.CaptureSettingsStore.List(s.RedactFields));
                config.Capture = settings;
            }

            snapshot.Tunnels.Add(config);
        }

        await EdgePlacements.AddToAsync(snapshot, db, cancellationToken);
        await Certificates.CertificateLedger.AddToAsync(snapshot, db, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), cancellationToken);
        snapshot.AccessJson = Tunnel.Shared.Access.AccessJson.Serialize(await access.BuildAsync(cancellationToken));
        return snapshot;
    }
}
