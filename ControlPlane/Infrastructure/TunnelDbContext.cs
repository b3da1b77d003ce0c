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
    public DbSet<EdgeEntity> Edges => Set<EdgeEntity>();
    public DbSet<ApiTokenEntity> ApiTokens => Set<ApiTokenEntity>();
    public DbSet<UserEntity> Users => Set<UserEntity>();
    public DbSet<AuditEventEntity> AuditEvents => Set<AuditEventEntity>();
    public DbSet<AccessApplicationEntity> AccessApplications => Set<AccessApplicationEntity>();
    public DbSet<ServiceTokenEntity> ServiceTokens => Set<ServiceTokenEntity>();
    public DbSet<AccessSettingsEntity> AccessSettings => Set<AccessSettingsEntity>();
    public DbSet<AccessDecisionEntity> AccessDecisions => Set<AccessDecisionEntity>();
    public DbSet<TrafficSampleEntity> TrafficSamples => Set<TrafficSampleEntity>();
    public DbSet<CaptureEntity> Captures => Set<CaptureEntity>();
    public DbSet<CaptureSettingsEntity> CaptureSettings => Set<CaptureSettingsEntity>();
    public DbSet<CertificateEntity> Certificates => Set<CertificateEntity>();
    public DbSet<AcmeAccountEntity> AcmeAccounts => Set<AcmeAccountEntity>();
    public DbSet<AcmeChallengeEntity> AcmeChallenges => Set<AcmeChallengeEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TunnelEntity>(b =>
        {
            b.ToTable("tunnels");
            b.HasKey(t => t.Id);
            b.Property(t => t.Name).HasMaxLength(64);
            b.HasIndex(t => t.Name).IsUnique();
            b.Property(t => t.SecretHash).HasMaxLength(32);
            b.Property(t => t.QuickClientAddress).HasMaxLength(64);
            b.Property(t => t.QuickKeyHash).HasMaxLength(32);
            b.HasIndex(t => t.Quick);
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
            b.Property(c => c.IngressVersion).HasMaxLength(64);
            b.Property(c => c.IngressRejectedVersion).HasMaxLength(64);
            b.Property(c => c.IngressRejectedReason).HasMaxLength(1000);
            b.Property(c => c.ConnectorId).HasMaxLength(64);
            b.Property(c => c.EdgeId).HasMaxLength(128);
            b.Property(c => c.Version).HasMaxLength(64);
            b.Property(c => c.RemoteAddress).HasMaxLength(128);
            b.HasIndex(c => c.EdgeId);
            b.HasIndex(c => c.TunnelId);
            b.HasOne<TunnelEntity>().WithMany().HasForeignKey(c => c.TunnelId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<EdgeEntity>(b =>
        {
            b.ToTable("edges");
            b.HasKey(e => e.EdgeId);
            b.Property(e => e.EdgeId).HasMaxLength(128);
            b.Property(e => e.PeerUrl).HasMaxLength(512);
            b.Property(e => e.ConnectorUrl).HasMaxLength(512);
        });
        modelBuilder.Entity<ApiTokenEntity>(b =>
        {
            b.ToTable("api_tokens");
            b.HasKey(t => t.Id);
            b.Property(t => t.Name).HasMaxLength(64);
            b.Property(t => t.Role).HasMaxLength(16);
            b.Property(t => t.TokenHash).HasMaxLength(32);
            b.HasIndex(t => t.TokenHash).IsUnique();
            b.Property(t => t.Prefix).HasMaxLength(16);
            b.Property(t => t.CreatedBy).HasMaxLength(320);
        });
        modelBuilder.Entity<UserEntity>(b =>
        {
            b.ToTable("users");
            b.HasKey(u => u.Login);
            b.Property(u => u.Login).HasMaxLength(320);
            b.Property(u => u.Role).HasMaxLength(16);
        });
        modelBuilder.Entity<AuditEventEntity>(b =>
        {
            // No foreign key to tunnels: the trail of a deleted tunnel stays.
            b.ToTable("audit_events");
            b.HasKey(e => e.Id);
            b.Property(e => e.Actor).HasMaxLength(340);
            b.Property(e => e.Action).HasMaxLength(64);
            b.Property(e => e.Target).HasMaxLength(256);
            b.Property(e => e.RemoteAddress).HasMaxLength(64);
            b.Property(e => e.Detail).HasMaxLength(1024);
            b.HasIndex(e => e.TunnelId);
        });
        modelBuilder.Entity<TrafficSampleEntity>(b =>
        {
            // No foreign key: samples of a deleted tunnel age out with the rest.
            b.ToTable("traffic_samples");
            b.HasKey(t => t.Id);
            b.Property(t => t.Hostname).HasMaxLength(253);
            b.Property(t => t.EdgeId).HasMaxLength(128);
            b.Property(t => t.Latency).HasMaxLength(512);
            b.Property(t => t.ReportId).HasMaxLength(64);
            b.HasIndex(t => new { t.EdgeId, t.ReportId });
            b.HasIndex(t => new { t.TunnelId, t.At });
            b.HasIndex(t => t.At);
        });
        modelBuilder.Entity<CaptureEntity>(b =>
        {
            b.ToTable("captures");
            b.HasKey(c => c.Seq);
            b.Property(c => c.ExchangeId).HasMaxLength(32);
            b.HasIndex(c => c.ExchangeId).IsUnique();
            b.HasIndex(c => new { c.TunnelId, c.Seq });
            b.HasIndex(c => c.At);
            b.Property(c => c.Hostname).HasMaxLength(253);
            b.Property(c => c.Method).HasMaxLength(32);
            b.Property(c => c.Url).HasMaxLength(8192);
            b.Property(c => c.Path).HasMaxLength(8192);
            b.Property(c => c.HttpVersion).HasMaxLength(16);
            b.Property(c => c.ClientAddress).HasMaxLength(64);
            b.Property(c => c.RequestBodyDecoded).HasMaxLength(16);
            b.Property(c => c.ResponseBodyDecoded).HasMaxLength(16);
            b.Property(c => c.EdgeId).HasMaxLength(128);
            b.Property(c => c.ServedByEdge).HasMaxLength(128);
            b.Property(c => c.ConnectorId).HasMaxLength(64);
            b.Property(c => c.Identity).HasMaxLength(340);
            b.Property(c => c.TraceId).HasMaxLength(32);
            b.Property(c => c.RequestId).HasMaxLength(128);
            b.Property(c => c.Kind).HasMaxLength(16);
            b.Property(c => c.ReplayOf).HasMaxLength(32);
            b.HasOne<TunnelEntity>().WithMany().HasForeignKey(c => c.TunnelId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<CaptureSettingsEntity>(b =>
        {
            b.ToTable("capture_settings");
            b.HasKey(c => c.TunnelId);
            b.Property(c => c.Hostnames).HasMaxLength(4096);
            b.Property(c => c.RedactHeaders).HasMaxLength(2048);
            b.Property(c => c.RedactFields).HasMaxLength(2048);
            b.Property(c => c.UpdatedBy).HasMaxLength(340);
            b.HasOne<TunnelEntity>().WithMany().HasForeignKey(c => c.TunnelId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<CertificateEntity>(b =>
        {
            b.ToTable("certificates");
            b.HasKey(c => c.Name);
            b.Property(c => c.Name).HasMaxLength(253);
            b.Property(c => c.Thumbprint).HasMaxLength(64);
            b.Property(c => c.Issuer).HasMaxLength(512);
            b.Property(c => c.IssuedBy).HasMaxLength(128);
            b.Property(c => c.LastError).HasMaxLength(4096);
            b.Property(c => c.LeaseHolder).HasMaxLength(128);
        });
        modelBuilder.Entity<AcmeAccountEntity>(b =>
        {
            b.ToTable("acme_accounts");
            b.HasKey(a => a.DirectoryUrl);
            b.Property(a => a.DirectoryUrl).HasMaxLength(1024);
        });
        modelBuilder.Entity<AcmeChallengeEntity>(b =>
        {
            b.ToTable("acme_challenges");
            b.HasKey(c => c.Token);
            b.Property(c => c.Token).HasMaxLength(256);
            b.Property(c => c.Name).HasMaxLength(253);
            b.Property(c => c.Type).HasMaxLength(16);
            b.Property(c => c.KeyAuthorization).HasMaxLength(512);
        });
        modelBuilder.Entity<AccessDecisionEntity>(b =>
        {
            b.ToTable("access_decisions");
            b.HasKey(d => d.Id);
            b.Property(d => d.RequestId).HasMaxLength(128);
            b.Property(d => d.EdgeId).HasMaxLength(128);
            b.Property(d => d.Method).HasMaxLength(32);
            b.Property(d => d.Host).HasMaxLength(253);
            b.Property(d => d.Path).HasMaxLength(2048);
            b.Property(d => d.Application).HasMaxLength(64);
            b.Property(d => d.ReasonCode).HasMaxLength(64);
            b.Property(d => d.Email).HasMaxLength(320);
            b.Property(d => d.Groups).HasMaxLength(2048);
            b.Property(d => d.ServiceToken).HasMaxLength(128);
            b.Property(d => d.ClientIp).HasMaxLength(64);
            b.HasIndex(d => d.RequestId);
            b.HasIndex(d => d.At);
        });
        modelBuilder.Entity<AccessApplicationEntity>(b =>
        {
            b.ToTable("access_applications");
            b.HasKey(a => a.Id);
            b.Property(a => a.Name).HasMaxLength(64);
            b.HasIndex(a => a.Name).IsUnique();
        });
        modelBuilder.Entity<ServiceTokenEntity>(b =>
        {
            b.ToTable("service_tokens");
            b.HasKey(t => t.Id);
            b.Property(t => t.Name).HasMaxLength(64);
            b.Property(t => t.ClientId).HasMaxLength(64);
            b.HasIndex(t => t.ClientId).IsUnique();
            b.Property(t => t.SecretHash).HasMaxLength(32);
        });
        modelBuilder.Entity<AccessSettingsEntity>(b =>
        {
            b.ToTable("access_settings");
            b.HasKey(s => s.Id);
            b.Property(s => s.Id).ValueGeneratedNever();
            // Rotations race (every edge's config stream builds snapshots): the first save wins, the rest re-read.
            b.Property(s => s.SigningKeysJson).IsConcurrencyToken();
            b.Property(s => s.SessionKeysJson).IsConcurrencyToken();
        });
    }
}

public sealed class SqliteTunnelDbContext(DbContextOptions<SqliteTunnelDbContext> options) : TunnelDbContext(options);

public sealed class PostgresTunnelDbContext(DbContextOptions<PostgresTunnelDbContext> options) : TunnelDbContext(options);
