using Microsoft.AspNetCore.Http.Features;

namespace Tunnel.Edge.Traffic;

/// <summary>
/// In place of the server's upgrade features for a request that may become a session (WebSocket over HTTP/1.1 or
/// HTTP/2's extended CONNECT, TCP over WebSocket): the session's stream counts its bytes each way, which the response
/// body never sees. Read = from the client, written = to the client.
/// </summary>
public sealed class CountingUpgrades
{
    public CountingStream? Session { get; private set; }

    public static CountingUpgrades? Install(HttpContext context)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var connect = context.Features.Get<IHttpExtendedConnectFeature>();
        if (upgrade?.IsUpgradableRequest != true && connect?.IsExtendedConnect != true)
        {
            return null; // an ordinary request: nothing in its way
        }

        var counting = new CountingUpgrades();
        if (upgrade?.IsUpgradableRequest == true)
        {
            context.Features.Set<IHttpUpgradeFeature>(new Upgrade(upgrade, counting));
        }

        if (connect?.IsExtendedConnect == true)
        {
            context.Features.Set<IHttpExtendedConnectFeature>(new ExtendedConnect(connect, counting));
        }

        return counting;
    }

    private Stream Count(Stream session) => Session = new CountingStream(session, ownsInner: true);

    private sealed class Upgrade(IHttpUpgradeFeature inner, CountingUpgrades counting) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => counting.Count(await inner.UpgradeAsync());
    }

    private sealed class ExtendedConnect(IHttpExtendedConnectFeature inner, CountingUpgrades counting) : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => inner.IsExtendedConnect;

        public string? Protocol => inner.Protocol;

        public async ValueTask<Stream> AcceptAsync() => counting.Count(await inner.AcceptAsync());
    }
}
