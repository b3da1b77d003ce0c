using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Tunnel.ControlPlane.Infrastructure;

// Used only by `dotnet ef migrations add`; the running service configures contexts in DatabaseSetup.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteTunnelDbContext>
{
    public SqliteTunnelDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteTunnelDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresTunnelDbContext>
{
    public PostgresTunnelDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresTunnelDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
