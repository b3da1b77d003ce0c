using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tunnel.ControlPlane.Certificates;
using Tunnel.ControlPlane.Config;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Tests.Access;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Tests.Certificates;

/// <summary>
/// The cluster's ACME ledger over a migrated SQLite store: one edge orders a name at a time, a renewal another edge made
/// refuses a stale lease, failures back off, keys are never stored in clear, and the first account key wins.
/// </summary>
public sealed class CertificateLedgerTests : IAsyncDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");
    private readonly ServiceProvider _services;
    private readonly AccessHarness.ManualClock _clock = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));

    public CertificateLedgerTests()
    {
        _connection.Open();
        var services = new ServiceCollection().AddLogging();
        services.AddDbContext<SqliteTunnelDbContext>(o => o.UseSqlite(_connection));
        services.AddScoped<TunnelDbContext>(sp => sp.GetRequiredService<SqliteTunnelDbContext>());
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton<ConfigChangeSignal>();
        services.AddScoped<CertificateLedger>();
        _services = services.BuildServiceProvider();
        using var scope = _services.CreateScope();
        scope.ServiceProvider.GetRequiredService<TunnelDbContext>().Database.Migrate();
    }

    /// <summary>Each call in its own unit of work, as each gRPC call has.</summary>
    private async Task<T> WithAsync<T>(Func<CertificateLedger, Task<T>> action)
    {
        await using var scope = _services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<CertificateLedger>());
    }

    private Task<(bool Granted, string Reason)> LeaseAsync(string edge, string known = "") =>
        WithAsync(l => l.LeaseAsync("app.example.com", edge, known, 600, CancellationToken.None));

    private static (string Certificate, string Key, string Thumbprint) Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(90));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), Convert.ToHexString(cert.GetCertHash(HashAlgorithmName.SHA256)));
    }

    [Fact]
    public async Task One_edge_orders_a_name_at_a_time_and_a_renewal_made_meanwhile_refuses_a_stale_lease()
    {
        Assert.True((await LeaseAsync("edge-a")).Granted);
        var refused = await LeaseAsync("edge-b");
        Assert.False(refused.Granted);
        Assert.Contains("edge-a is ordering it", refused.Reason);
        Assert.True((await LeaseAsync("edge-a")).Granted); // the holder may renew its own lease

        // Edge B may not publish a challenge or a certificate for a name it holds no lease on.
        var (pem, key, thumbprint) = Issue("app.example.com");
        await Assert.ThrowsAsync<InvalidOperationException>(() => WithAsync(async l =>
        {
            await l.PutChallengeAsync(new AcmeChallenge { Token = "t", Name = "app.example.com", Type = "http-01", KeyAuthorization = "t.x", EdgeId = "edge-b" }, CancellationToken.None);
            return 0;
        }));

        await WithAsync(async l =>
        {
            await l.StoreAsync(new StoredCertificate { Name = "app.example.com", EdgeId = "edge-a", CertificatePem = pem, KeyPem = key }, CancellationToken.None);
            return 0;
        });

        // Stored with its key protected, never in clear; the lease is over.
        await using (var scope = _services.CreateAsyncScope())
        {
            var row = await scope.ServiceProvider.GetRequiredService<TunnelDbContext>().Certificates.SingleAsync();
            Assert.Equal(thumbprint, row.Thumbprint);
            Assert.DoesNotContain("PRIVATE KEY", row.ProtectedKeyPem);
            Assert.Null(row.LeaseHolder);
        }

        // B, still believing there is no certificate, is refused: A renewed it meanwhile. Knowing it, B may lease.
        var stale = await LeaseAsync("edge-b");
        Assert.False(stale.Granted);
        Assert.Contains("renewed meanwhile", stale.Reason);
        Assert.True((await LeaseAsync("edge-b", thumbprint)).Granted);

        // Every edge gets the pair back whole.
        var bundle = await WithAsync(l => l.FetchAsync(["app.example.com"], CancellationToken.None));
        Assert.Equal(key, bundle.Certificates.Single().KeyPem);
    }

    private async Task StoreAsync(string name, string edge = "edge-a")
    {
        Assert.True((await WithAsync(l => l.LeaseAsync(name, edge, "", 600, CancellationToken.None))).Granted);
        var (pem, key, _) = Issue(name);
        await WithAsync(async l =>
        {
            await l.StoreAsync(new StoredCertificate { Name = name, EdgeId = edge, CertificatePem = pem, KeyPem = key }, CancellationToken.None);
            return 0;
        });
    }

    [Fact]
    public async Task Certificates_of_names_no_longer_routed_are_forgotten_once_expired_and_routed_ones_never()
    {
        await using (var scope = _services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TunnelDbContext>();
            var tunnel = new Tunnel.ControlPlane.Model.TunnelEntity { Id = Guid.NewGuid(), Name = "t", SecretHash = new byte[32] };
            tunnel.Hostnames.Add(new Tunnel.ControlPlane.Model.HostnameEntity { Name = "routed.example.com" });
            db.Tunnels.Add(tunnel);
            await db.SaveChangesAsync();
        }

        await StoreAsync("routed.example.com");
        await StoreAsync("gone.example.com");
        await StoreAsync("*.quick.example.com");
        Assert.True((await WithAsync(l => l.LeaseAsync("ordering.example.com", "edge-b", "", 600, CancellationToken.None))).Granted);

        // Nothing expired yet, and a lease is live: nothing goes.
        Assert.Equal(0, await WithAsync(l => l.PruneAsync("quick.example.com", CancellationToken.None)));

        // Past every certificate's expiry: the unrouted name and the abandoned order go; the routed name and the quick
        // domain's wildcard stay (their renewal is due, not their removal).
        _clock.Now += TimeSpan.FromDays(120);
        Assert.Equal(2, await WithAsync(l => l.PruneAsync("quick.example.com", CancellationToken.None)));
        await using (var scope = _services.CreateAsyncScope())
        {
            var names = await scope.ServiceProvider.GetRequiredService<TunnelDbContext>().Certificates.Select(c => c.Name).OrderBy(n => n).ToListAsync();
            Assert.Equal(["*.quick.example.com", "routed.example.com"], names);
        }

        // Quick tunnels switched off: their domain's wildcard is no longer routed either.
        Assert.Equal(1, await WithAsync(l => l.PruneAsync("", CancellationToken.None)));
    }

    [Fact]
    public async Task A_lease_left_behind_runs_out_and_a_late_certificate_is_still_kept_when_nobody_else_renewed()
    {
        Assert.True((await LeaseAsync("edge-a")).Granted);
        _clock.Now += TimeSpan.FromMinutes(11);
        var (pem, key, _) = Issue("app.example.com");
        await WithAsync(async l =>
        {
            await l.StoreAsync(new StoredCertificate { Name = "app.example.com", EdgeId = "edge-a", CertificatePem = pem, KeyPem = key }, CancellationToken.None);
            return 0;
        });

        Assert.True((await LeaseAsync("edge-b", await ThumbprintAsync())).Granted);
        // Now B holds a live lease: A's late certificate for the same name is refused.
        var (pem2, key2, _) = Issue("app.example.com");
        await Assert.ThrowsAsync<InvalidOperationException>(() => WithAsync(async l =>
        {
            await l.StoreAsync(new StoredCertificate { Name = "app.example.com", EdgeId = "edge-a", CertificatePem = pem2, KeyPem = key2 }, CancellationToken.None);
            return 0;
        }));
    }

    [Fact]
    public async Task A_names_own_failures_make_it_wait_doubling_and_a_day_past_its_budget_the_cas_do_not()
    {
        async Task FailAsync(bool charged) => await WithAsync(async l =>
        {
            await l.FailedAsync(new CertificateFailure { Name = "app.example.com", EdgeId = "edge-a", Error = "urn:ietf:params:acme:error:dns: NXDOMAIN", Charged = charged, FailureBudget = 3 },
                CancellationToken.None);
            return 0;
        });

        Assert.True((await LeaseAsync("edge-a")).Granted);
        await FailAsync(charged: false); // the CA's problem: no wait, no count, and the lease is given back
        Assert.True((await LeaseAsync("edge-a")).Granted);
        await FailAsync(charged: true);
        Assert.Contains("waiting after failures", (await LeaseAsync("edge-a")).Reason);
        _clock.Now += TimeSpan.FromMinutes(1);
        Assert.True((await LeaseAsync("edge-a")).Granted);
        await FailAsync(charged: true);
        _clock.Now += TimeSpan.FromMinutes(1);
        Assert.False((await LeaseAsync("edge-a")).Granted); // two minutes now
        _clock.Now += TimeSpan.FromMinutes(1);
        Assert.True((await LeaseAsync("edge-a")).Granted);
        await FailAsync(charged: true); // the third: past the budget
        _clock.Now += TimeSpan.FromHours(23);
        Assert.False((await LeaseAsync("edge-a")).Granted);
        _clock.Now += TimeSpan.FromHours(1);
        Assert.True((await LeaseAsync("edge-a")).Granted);

        var view = (await WithAsync(async l =>
        {
            await using var scope = _services.CreateAsyncScope();
            return await CertificateView.ForAsync(scope.ServiceProvider.GetRequiredService<TunnelDbContext>(), ["app.example.com"], _clock, CancellationToken.None);
        })).Single();
        Assert.Equal(3, view.FailuresInARow);
        Assert.Contains("NXDOMAIN", view.LastError);
        Assert.Null(view.Issuer);
    }

    [Fact]
    public async Task A_certificate_that_does_not_name_the_name_or_match_its_key_is_refused()
    {
        Assert.True((await LeaseAsync("edge-a")).Granted);
        var (pem, key, _) = Issue("other.example.com");
        var wrongName = await Assert.ThrowsAsync<ArgumentException>(() => WithAsync(async l =>
        {
            await l.StoreAsync(new StoredCertificate { Name = "app.example.com", EdgeId = "edge-a", CertificatePem = pem, KeyPem = key }, CancellationToken.None);
            return 0;
        }));
        Assert.Contains("does not name app.example.com", wrongName.Message);
        var (right, _, _) = Issue("app.example.com");
        await Assert.ThrowsAsync<ArgumentException>(() => WithAsync(async l =>
        {
            await l.StoreAsync(new StoredCertificate { Name = "app.example.com", EdgeId = "edge-a", CertificatePem = right, KeyPem = key }, CancellationToken.None);
            return 0;
        }));
    }

    [Fact]
    public async Task The_first_account_key_proposed_is_every_edges()
    {
        using var a = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var b = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var first = await WithAsync(l => l.AccountKeyAsync("https://ca.example/dir", a.ExportPkcs8PrivateKeyPem(), CancellationToken.None));
        var second = await WithAsync(l => l.AccountKeyAsync("https://ca.example/dir", b.ExportPkcs8PrivateKeyPem(), CancellationToken.None));
        Assert.Equal(a.ExportPkcs8PrivateKeyPem(), first);
        Assert.Equal(first, second);
    }

    private async Task<string> ThumbprintAsync()
    {
        await using var scope = _services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<TunnelDbContext>().Certificates.SingleAsync()).Thumbprint;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
