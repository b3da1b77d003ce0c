using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tunnel.ControlPlane.Access;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.Shared.Access;

namespace Tunnel.ControlPlane.Tests.Access;

/// <summary>The control plane's Access services over a migrated in-memory SQLite store, at a time the test sets.</summary>
public sealed class AccessHarness : IAsyncDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly ServiceProvider _services;

    public AccessHarness(DateTimeOffset now)
    {
        Clock = new ManualClock(now);
        _connection.Open(); // the in-memory database lives as long as this connection
        var services = new ServiceCollection().AddLogging().AddHttpContextAccessor();
        services.AddDbContext<SqliteTunnelDbContext>(o => o.UseSqlite(_connection));
        services.AddScoped<TunnelDbContext>(sp => sp.GetRequiredService<SqliteTunnelDbContext>());
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<ConfigChangeSignal>();
        services.AddScoped<AuditLog>();
        services.AddScoped<AccessCatalog>();
        services.AddScoped<AccessSnapshotBuilder>();
        _services = services.BuildServiceProvider();
        using var scope = _services.CreateScope();
        scope.ServiceProvider.GetRequiredService<TunnelDbContext>().Database.Migrate();
    }

    public ManualClock Clock { get; }

    /// <summary>A unit of work of its own, as each edge's config stream has.</summary>
    public AsyncServiceScope Scope() => _services.CreateAsyncScope();

    public async Task<AccessSnapshot> BuildAsync()
    {
        await using var scope = Scope();
        return await scope.ServiceProvider.GetRequiredService<AccessSnapshotBuilder>().BuildAsync(CancellationToken.None);
    }

    public async Task<string> StoredSessionKeysAsync()
    {
        await using var scope = Scope();
        return (await scope.ServiceProvider.GetRequiredService<TunnelDbContext>().AccessSettings.SingleAsync()).SessionKeysJson;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _connection.DisposeAsync();
    }

    public sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
