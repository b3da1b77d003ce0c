using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Protocol;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Config;

/// <summary>Edges subscribe to config here and report their connector connections.</summary>
public sealed class ConfigGrpcService(
    ConfigChangeSignal signal,
    IServiceScopeFactory scopes,
    ControlPlaneKeys keys,
    Inspection.ReplayDispatcher replays,
    ILogger<ConfigGrpcService> logger) : ConfigService.ConfigServiceBase
{
    // Also resend periodically, so an edge notices a control plane replica's changes and a dead stream.
    private static readonly TimeSpan ResendInterval = TimeSpan.FromSeconds(30);

    public override async Task WatchConfig(WatchConfigRequest request, IServerStreamWriter<ConfigSnapshot> responseStream, ServerCallContext context)
    {
        Authorize(context);
        var ct = context.CancellationToken;
        logger.LogInformation("Edge {EdgeId} subscribed to config (it has version {KnownVersion})", request.EdgeId, request.KnownVersion);
        var version = signal.Version;
        while (!ct.IsCancellationRequested)
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                var snapshot = await scope.ServiceProvider.GetRequiredService<ConfigSnapshotBuilder>().BuildAsync(version, ct);
                await responseStream.WriteAsync(snapshot, ct);
            }

            version = await signal.WaitForChangeAsync(version, ResendInterval, ct);
        }
    }

    public override async Task<AccessDecisionReportAck> ReportAccessDecisions(AccessDecisionReport request, ServerCallContext context)
    {
        Authorize(context);
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Access.AccessDecisionStore>().SaveAsync(request, context.CancellationToken);
        return new AccessDecisionReportAck();
    }

    public override async Task<TrafficReportAck> ReportTraffic(TrafficReport request, ServerCallContext context)
    {
        Authorize(context);
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Traffic.TrafficStore>().SaveAsync(request, context.CancellationToken);
        return new TrafficReportAck();
    }

    public override async Task<CaptureReportAck> ReportCaptures(CaptureReport request, ServerCallContext context)
    {
        Authorize(context);
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Inspection.CaptureStore>().SaveAsync(request, context.CancellationToken);
        return new CaptureReportAck();
    }

    public override async Task WatchReplays(WatchReplaysRequest request, IServerStreamWriter<ReplayJob> responseStream, ServerCallContext context)
    {
        Authorize(context);
        try
        {
            await replays.ServeAsync(Columns.Cut(request.EdgeId, 128), job => responseStream.WriteAsync(job, context.CancellationToken), context.CancellationToken);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
        }
    }

    public override Task<ReplayOutcomeAck> ReportReplay(ReplayOutcome request, ServerCallContext context)
    {
        Authorize(context);
        replays.Complete(request);
        return Task.FromResult(new ReplayOutcomeAck());
    }

    public override Task<AcmeAccountKey> GetAcmeAccount(AcmeAccountRequest request, ServerCallContext context) =>
        WithLedgerAsync(context, async ledger => new AcmeAccountKey { KeyPem = await ledger.AccountKeyAsync(request.DirectoryUrl, request.ProposedKeyPem, context.CancellationToken) });

    public override Task<CertificateLeaseAnswer> LeaseCertificate(CertificateLeaseRequest request, ServerCallContext context) =>
        WithLedgerAsync(context, async ledger =>
        {
            var (granted, reason) = await ledger.LeaseAsync(request.Name, Columns.Cut(request.EdgeId, 128), request.KnownThumbprint, request.Seconds, context.CancellationToken);
            return new CertificateLeaseAnswer { Granted = granted, Reason = reason };
        });

    public override Task<AcmeAck> PutAcmeChallenge(AcmeChallenge request, ServerCallContext context) =>
        WithLedgerAsync(context, async ledger =>
        {
            await ledger.PutChallengeAsync(request, context.CancellationToken);
            return new AcmeAck();
        });

    public override Task<AcmeChallenge> GetAcmeChallenge(AcmeChallengeQuery request, ServerCallContext context) =>
        WithLedgerAsync(context, ledger => ledger.FindChallengeAsync(request, context.CancellationToken));

    public override Task<AcmeAck> StoreCertificate(StoredCertificate request, ServerCallContext context) =>
        WithLedgerAsync(context, async ledger =>
        {
            await ledger.StoreAsync(request, context.CancellationToken);
            return new AcmeAck();
        });

    public override Task<AcmeAck> ReportCertificateFailure(CertificateFailure request, ServerCallContext context) =>
        WithLedgerAsync(context, async ledger =>
        {
            await ledger.FailedAsync(request, context.CancellationToken);
            return new AcmeAck();
        });

    public override Task<CertificateBundle> FetchCertificates(CertificateFetch request, ServerCallContext context) =>
        WithLedgerAsync(context, ledger => ledger.FetchAsync(request.Names, context.CancellationToken));

    /// <summary>The ledger's refusals (bad input, no lease) answer as precise gRPC errors, not as internal ones.</summary>
    private async Task<T> WithLedgerAsync<T>(ServerCallContext context, Func<Certificates.CertificateLedger, Task<T>> action)
    {
        Authorize(context);
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            return await action(scope.ServiceProvider.GetRequiredService<Certificates.CertificateLedger>());
        }
        catch (ArgumentException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("holds no lease", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            // A key protected with a Data Protection key ring this replica does not have (not shared, or lost).
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"the control plane cannot read a stored ACME key ({ex.Message}): every replica needs the same Data Protection key ring (its data directory's dataprotection-keys)"));
        }
    }

    public override async Task<ConnectionReportAck> ReportConnections(ConnectionReport request, ServerCallContext context)
    {
        Authorize(context);
        if (EdgePlacements.Problem(request) is { } problem)
        {
            // What other edges and connectors will dial must be well-formed: refuse the report, say why.
            throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TunnelDbContext>();
        var now = DateTimeOffset.UtcNow;
        var known = (await db.Tunnels.Select(t => t.Id).ToListAsync(context.CancellationToken)).ToHashSet();

        // One transaction: readers see the previous report or this one, never the moment between delete and insert.
        // Run through the execution strategy, which retries the whole unit on a transient database error.
        var rows = request.Connections
            .Select(c => (Report: c, TunnelId: Guid.TryParse(c.TunnelId, out var id) && known.Contains(id) ? id : Guid.Empty))
            .Where(r => r.TunnelId != Guid.Empty) // a tunnel deleted while its connector was still up
            .ToList();
        var placementsChanged = false;
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var before = await EdgePlacements.OfEdgeAsync(db, request.EdgeId, now, ct);
            await EdgePlacements.SaveEdgeAsync(db, request, now, ct);
            await db.Connections.Where(c => c.EdgeId == request.EdgeId).ExecuteDeleteAsync(ct);
            foreach (var (c, tunnelId) in rows)
            {
                db.Connections.Add(new ConnectionEntity
                {
                    ConnectionId = c.ConnectionId,
                    TunnelId = tunnelId,
                    // The connector chose these (its Register): cut to their columns, or one connector's long id fails
                    // its edge's whole report, and the edge drops out of the cluster's placements.
                    ConnectorId = Columns.Cut(c.ConnectorId, 64),
                    ConnectionIndex = c.ConnectionIndex,
                    EdgeId = request.EdgeId,
                    Version = Columns.Cut(c.Version, 64),
                    RemoteAddress = c.RemoteAddress,
                    ConnectedAt = c.ConnectedAt.ToDateTimeOffset(),
                    LastHeartbeat = c.LastHeartbeat.ToDateTimeOffset(),
                    IngressVersion = NullIfEmpty(c.IngressVersion),
                    IngressRejectedVersion = NullIfEmpty(c.IngressRejectedVersion),
                    IngressRejectedReason = NullIfEmpty(Columns.Cut(c.IngressRejectedReason, 1000)),
                    LocalIngressJson = EdgePlacements.LocalRulesJson(c.LocalIngress),
                    Draining = c.Draining,
                    RegistrationsLastHour = Math.Max(0, c.RegistrationsLastHour),
                    ConnectorReconnectsLastHour = c.HasConnectorReconnectsLastHour ? Math.Clamp(c.ConnectorReconnectsLastHour, 0, 10_000) : null,
                    ReportedAt = now,
                });
            }

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            placementsChanged = before != EdgePlacements.Describe(request, rows.Where(r => !r.Report.Draining).Select(r => r.Report));
        }, context.CancellationToken);

        // Which edge holds which tunnel is part of the snapshot: every edge hears of a change at once.
        if (placementsChanged)
        {
            signal.NotifyChanged();
        }

        return new ConnectionReportAck();
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;


    private void Authorize(ServerCallContext context)
    {
        var presented = SecretHash.BearerValue(context.RequestHeaders.GetValue(TunnelHeaders.EdgeKey));
        if (!SecretHash.KeysEqual(presented, keys.EdgeKey))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "edge key refused: set Edge:ControlPlaneKey to the control plane's ControlPlane:EdgeKey"));
        }
    }
}
