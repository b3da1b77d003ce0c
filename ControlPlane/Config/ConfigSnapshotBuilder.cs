using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Config;

/// <summary>Reads the store into the snapshot edges route by.</summary>
public sealed class ConfigSnapshotBuilder(TunnelDbContext db, Access.AccessSnapshotBuilder access)
{
    public async Task<ConfigSnapshot> BuildAsync(long version, CancellationToken cancellationToken)
    {
        var tunnels = await db.Tunnels.AsNoTracking().Include(t => t.Hostnames).ToListAsync(cancellationToken);
        var snapshot = new ConfigSnapshot { Version = version };
        foreach (var t in tunnels.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var config = new TunnelConfig { Id = t.Id.ToString(), Name = t.Name, SecretHash = ByteString.CopyFrom(t.SecretHash), IngressJson = t.IngressJson ?? "" };
            config.Hostnames.AddRange(t.Hostnames.Select(h => h.Name).Order(StringComparer.Ordinal));
            snapshot.Tunnels.Add(config);
        }

        await EdgePlacements.AddToAsync(snapshot, db, cancellationToken);
        snapshot.AccessJson = Tunnel.Shared.Access.AccessJson.Serialize(await access.BuildAsync(cancellationToken));
        return snapshot;
    }
}
