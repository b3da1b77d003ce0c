using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Infrastructure;

/// <summary>
/// The control plane's store. Each provider has its own subclass so each keeps its own migrations
/// (SQLite and Postgres differ in types), while the model is declared once here.
/// </summary>
public abstract class TunnelDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<TunnelEntity> Tunnels => Set<TunnelEntity>();
    public DbSet<HostnameEntity> Hostnames => Set<HostnameEntity>();
    public DbSet<ConnectionEntity> Connections => Set<ConnectionEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TunnelEntity>(b =>
        {
            b.ToTable("tunnels");
            b.HasKey(t => t.Id);
            b.Property(t => t.Name).HasMaxLength(64);
            b.HasIndex(t => t.Name).IsUnique();
            b.Property(t => t.SecretHash).HasMaxLength(32);
            b.HasMany(t => t.Hostnames).WithOne().HasForeignKey(h => h.TunnelId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<HostnameEntity>(b =>
        {
            b.ToTable("hostnames");
            b.HasKey(h => h.Name);
            b.Property(h => h.Name).HasMaxLength(253);
            b.HasIndex(h => h.TunnelId);
        });
        modelBuilder.Entity<ConnectionEntity>(b =>
        {
            b.ToTable("connections");
            b.HasKey(c => c.ConnectionId);
            b.Property(c => c.ConnectionId).HasMaxLength(64);
            b.Property(c => c.ConnectorId).HasMaxLength(64);
            b.Property(c => c.EdgeId).HasMaxLength(128);
            b.Property(c => c.Version).HasMaxLength(64);
            b.Property(c => c.RemoteAddress).HasMaxLength(128);
            b.HasIndex(c => c.EdgeId);
            b.HasIndex(c => c.TunnelId);
            b.HasOne<TunnelEntity>().WithMany().HasForeignKey(c => c.TunnelId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

public sealed class SqliteTunnelDbContext(DbContextOptions<SqliteTunnelDbContext> options) : TunnelDbContext(options);

public sealed class PostgresTunnelDbContext(DbContextOptions<PostgresTunnelDbContext> options) : TunnelDbContext(options);
