using System.Text;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Tunnel.ControlPlane.Audit;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;
using Tunnel.ControlPlane.Tunnels;
using Tunnel.Shared.Inspection;
using Tunnel.Shared.Protocol;

namespace Tunnel.ControlPlane.Inspection;

/// <summary>What to change before replaying: anything left out is sent as captured. Headers replace the captured ones whole.</summary>
public sealed record ReplayRequest(string? Method = null, string? Path = null, IReadOnlyList<string[]>? Headers = null, string? Body = null,
    string? BodyBase64 = null, bool BypassAccess = false);

/// <param name="Id">The replay's own capture, once it arrived (null when the tunnel's capture is off, or it is late).</param>
public sealed record ReplayResult(int Status, double DurationMs, string ExchangeId, long? Id, string Via, IReadOnlyList<string> Notes);

/// <summary>
/// Replays a capture (as captured, or edited) through an edge: to the same hostname through the edge's public side
/// (Access applies), or, when an admin chooses, straight to the tunnel's connector without Access. Audited.
/// </summary>
public sealed class ReplayService(TunnelDbContext db, CaptureStore captures, ReplayDispatcher dispatcher, AuditLog audit)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(65);
    private const int MaxBody = 4 * 1024 * 1024;

    public async Task<Outcome<ReplayResult>> ReplayAsync(long id, ReplayRequest edit, CancellationToken ct)
    {
        if (await captures.GetAsync(id, ct) is not { } c)
        {
            return Outcome<ReplayResult>.Fail(FailureKind.NotFound, $"no capture {id} (captures are kept to each tunnel's limits: it may have aged out)");
        }

        var tunnel = await db.Tunnels.AsNoTracking().FirstOrDefaultAsync(t => t.Id == c.TunnelId, ct);
        if (tunnel is null)
        {
            return Outcome<ReplayResult>.Fail(FailureKind.NotFound, $"the tunnel of capture {id} was deleted");
        }

        var notes = new List<string>();
        var (job, problem) = Job(c, edit, notes);
        if (problem is not null)
        {
            return Outcome<ReplayResult>.Fail(FailureKind.Invalid, problem);
        }

        var via = edit.BypassAccess ? "straight to the tunnel's connector (Access bypassed)" : $"through the edge to {job!.Host}";
        audit.Record("capture.replay", tunnel.Name, tunnel.Id, $"capture {id} ({c.Method} {Columns.Cut(c.Path, 200)}) replayed {via}"
            + (edit.Method is null && edit.Path is null && edit.Headers is null && edit.Body is null && edit.BodyBase64 is null ? "" : ", edited"));
        await db.SaveChangesAsync(ct);

        var edges = await db.Connections.AsNoTracking().Where(x => x.TunnelId == c.TunnelId).Select(x => x.EdgeId).Distinct().ToListAsync(ct);
        var (outcome, error) = await dispatcher.DispatchAsync(job!, edges, Timeout, ct);
        if (outcome is null)
        {
            return Outcome<ReplayResult>.Fail(FailureKind.Conflict, error!);
        }

        if (!outcome.Sent)
        {
            return Outcome<ReplayResult>.Fail(FailureKind.Conflict, outcome.Error);
        }

        // The edge reports its capture of the replay within moments (its queue drains continuously).
        CaptureEntity? replayed = null;
        for (var i = 0; i < 50 && replayed is null; i++)
        {
            replayed = await captures.FindByExchangeAsync(outcome.ExchangeId, ct);
            if (replayed is null)
            {
                await Task.Delay(100, ct);
            }
        }

        return new ReplayResult(outcome.Status, outcome.DurationMs, outcome.ExchangeId, replayed?.Seq, via, notes);
    }

    private static (ReplayJob? Job, string? Problem) Job(CaptureEntity c, ReplayRequest edit, List<string> notes)
    {
        if (!Uri.TryCreate(c.Url, UriKind.Absolute, out var url))
        {
            return (null, $"capture {c.Seq} has no URL that can be sent again ({c.Url})");
        }

        if (c.Kind == "websocket" && edit.Method is null)
        {
            return (null, "a WebSocket session cannot be replayed (its frames are not captured); edit the method to send the upgrade request as plain HTTP");
        }

        var method = edit.Method?.Trim().ToUpperInvariant() ?? c.Method;
        if (!CaptureSettingsStore.IsToken(method))
        {
            return (null, $"method '{edit.Method}' is not an HTTP method (letters, e.g. POST)");
        }

        var path = edit.Path?.Trim() ?? c.Path;
        if (path.Length == 0 || path[0] != '/' || path.Any(ch => char.IsControl(ch) || ch == ' '))
        {
            return (null, $"path '{edit.Path}' must start with / and hold no spaces or control characters (encode them: %20)");
        }

        var job = new ReplayJob
        {
            JobId = Guid.NewGuid().ToString("N"), TunnelId = c.TunnelId.ToString(), Host = url.IdnHost, Method = method, PathAndQuery = path,
            BypassAccess = edit.BypassAccess, ReplayOf = c.ExchangeId,
        };

        var headers = edit.Headers ?? CaptureStore.Headers(c.RequestHeadersJson);
        foreach (var h in headers)
        {
            if (h.Length != 2 || !CaptureSettingsStore.IsToken(h[0]) || h[1].Any(ch => ch is '\r' or '\n' or '\0'))
            {
                return (null, $"header '{(h.Length > 0 ? h[0] : "")}' is not a header line (a name of letters, digits and -, a value without line breaks)");
            }

            if (edit.Headers is null && h[1].Contains(Redaction.Mask, StringComparison.Ordinal))
            {
                notes.Add($"not sent: {h[0]} (masked when it was captured; edit the request to send a value)");
                continue;
            }

            if (edit.Headers is null && c.RequestBodyDecoded.Length > 0 && h[0].Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                notes.Add($"not sent: Content-Encoding {h[1]} (the body is replayed decoded)");
                continue;
            }

            job.Headers.Add(new CaptureHeader { Name = h[0], Value = h[1] });
        }

        byte[] body;
        if (edit.BodyBase64 is not null)
        {
            try
            {
                body = Convert.FromBase64String(edit.BodyBase64);
            }
            catch (FormatException)
            {
                return (null, "bodyBase64 is not base64");
            }
        }
        else if (edit.Body is not null)
        {
            body = Encoding.UTF8.GetBytes(edit.Body);
        }
        else if (c.RequestBodyTruncated)
        {
            return (null, $"only the first {c.RequestBody.Length} bytes of this request's body were kept (of {c.RequestBodySize}): "
                + "replaying it would send a different request. Edit the body to replay it.");
        }
        else if (c.Redacted && c.RequestBody.Length > 0 && Encoding.UTF8.GetString(c.RequestBody).Contains(Redaction.Mask, StringComparison.Ordinal))
        {
            notes.Add("the body has masked fields: they are sent as captured ([redacted]); edit the body to send values");
            body = c.RequestBody;
        }
        else
        {
            body = c.RequestBody;
        }

        if (body.Length > MaxBody)
        {
            return (null, $"a replayed body may be at most {MaxBody} bytes; this one is {body.Length}");
        }

        job.Body = ByteString.CopyFrom(body);
        return (job, null);
    }
}
