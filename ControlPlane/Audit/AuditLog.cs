using Tunnel.ControlPlane.Auth;
using Tunnel.ControlPlane.Infrastructure;
using Tunnel.ControlPlane.Model;

namespace Tunnel.ControlPlane.Audit;

/// <summary>
/// Adds an audit event to the current unit of work, so it is saved with the change it describes or not at all.
/// The actor and address come from the request; callers pass names and ids, never secrets.
/// </summary>
public sealed class AuditLog(TunnelDbContext db, IHttpContextAccessor http, TimeProvider clock)
{
    public void Record(string action, string target, Guid? tunnelId = null, string? detail = null, string? actor = null)
    {
        var context = http.HttpContext;
        db.AuditEvents.Add(new AuditEventEntity
        {
            At = clock.GetUtcNow(),
            Actor = actor ?? (context is null ? "system" : Identities.Actor(context.User)),
            Action = action,
            Target = Truncate(target, 256),
            TunnelId = tunnelId,
            RemoteAddress = context?.Connection.RemoteIpAddress?.ToString(),
            Detail = detail is null ? null : Truncate(detail, 1024),
        });
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
