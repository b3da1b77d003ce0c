using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Certificates;

/// <summary>A routed hostname's ACME certificate as `tunnel info` and the dashboard show it: what is served, and how the last attempt went.</summary>
public sealed record CertificateView(
    string Hostname, string? Certificate, string? Issuer, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter, DateTimeOffset? IssuedAt, string? IssuedBy,
    DateTimeOffset? LastAttemptAt, string? LastError, int FailuresInARow, DateTimeOffset? NextAttemptAt, string? OrderingEdge)
{
    /// <summary>Each hostname with the certificate that covers it: its own, else its parent's wildcard; null fields when none was ever attempted.</summary>
    public static async Task<List<CertificateView>> ForAsync(TunnelDbContext db, IEnumerable<string> hostnames, TimeProvider clock, CancellationToken ct)
    {
        var names = hostnames.ToList();
        var candidates = names.SelectMany(h => new[] { h, Wildcard(h) }).Where(n => n is not null).Distinct().ToList();
        var rows = await db.Certificates.AsNoTracking().Where(c => candidates.Contains(c.Name)).ToDictionaryAsync(c => c.Name, ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return names.Select(h =>
        {
            var row = rows.GetValueOrDefault(h) is { } own && (own.Thumbprint.Length > 0 || Wildcard(h) is not { } w || !rows.ContainsKey(w))
                ? own : Wildcard(h) is { } wildcard ? rows.GetValueOrDefault(wildcard) : null;
            return row is null ? new CertificateView(h, null, null, null, null, null, null, null, null, 0, null, null) : Of(h, row, now);
        }).ToList();
    }

    private static CertificateView Of(string hostname, CertificateEntity c, long now) => new(
        hostname, c.Name, Opt(c.Issuer), Time(c.NotBeforeMs), Time(c.NotAfterMs), Time(c.IssuedAtMs), Opt(c.IssuedBy), Time(c.LastAttemptMs), c.LastError,
        c.FailuresInARow, c.NextAttemptMs > now ? Time(c.NextAttemptMs) : null, c.LeaseHolder is not null && c.LeaseUntilMs > now ? c.LeaseHolder : null);

    private static string? Wildcard(string name)
    {
        var dot = name.IndexOf('.');
        return name.StartsWith("*.", StringComparison.Ordinal) || dot <= 0 ? null : "*" + name[dot..];
    }

    private static string? Opt(string value) => value.Length == 0 ? null : value;

    private static DateTimeOffset? Time(long ms) => ms == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
