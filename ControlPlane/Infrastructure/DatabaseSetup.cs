using Microsoft.EntityFrameworkCore;
using Tunnel.Shared.Hosting;

namespace Tunnel.ControlPlane.Infrastructure;

public static class DatabaseSetup
{
    /// <summary>Postgres when ConnectionStrings:Postgres is set; otherwise an embedded SQLite file in the data directory.</summary>
    public static IHostApplicationBuilder AddTunnelDatabase(this IHostApplicationBuilder builder, string dataDirectory)
    {
        var postgres = builder.Configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            builder.Services.AddDbContext<PostgresTunnelDbContext>(o => o.UseNpgsql(postgres, n => n.EnableRetryOnFailure(3)));
            builder.Services.AddScoped<TunnelDbContext>(sp => sp.GetRequiredService<PostgresTunnelDbContext>());
        }
        else
        {
            Directory.CreateDirectory(dataDirectory);
            var file = Path.Combine(dataDirectory, "controlplane.db");
            builder.Services.AddDbContext<SqliteTunnelDbContext>(o => o.UseSqlite($"Data Source={file};Pooling=true"));
            builder.Services.AddScoped<TunnelDbContext>(sp => sp.GetRequiredService<SqliteTunnelDbContext>());
        }

        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [ServiceDefaults.ReadyTag]);
        return builder;
    }

    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TunnelDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILogger<TunnelDbContext>>();
        logger.LogInformation("Applying migrations to the {Provider} store", db.Database.ProviderName);
        await db.Database.MigrateAsync(cancellationToken);
    }
}
