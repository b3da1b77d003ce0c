using System.Net;

namespace Tunnel.Shared.Access;

/// <summary>Who is asking: a signed-in person (email, groups), a service token (its client id), or nobody yet.</summary>
public sealed record AccessIdentity(string? Email, IReadOnlyList<string> Groups, string? ServiceTokenClientId, IPAddress? ClientIp)
{
    public bool IsUser => Email is not null;
    public bool IsServiceToken => ServiceTokenClientId is not null;
    public bool IsAuthenticated => IsUser || IsServiceToken;

    public static AccessIdentity Anonymous(IPAddress? ip) => new(null, [], null, ip);
}
