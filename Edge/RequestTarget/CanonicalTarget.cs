namespace Tunnel.Edge.RequestTarget;

/// <summary>
/// A public request's host and path in their one canonical form, computed once before routing. The router, the
/// Access gate, the limits and the forwarder all read this form; it is also what the origin receives.
/// </summary>
/// <param name="Host">Lower case ASCII (punycode), no port, no trailing dot.</param>
/// <param name="Path">Decoded once, dot segments resolved, repeated slashes merged.</param>
/// <param name="PathKey">What origins may read the path as (case, ';' parameters, trailing dots folded): prefixes that protect match on it.</param>
public sealed record CanonicalTarget(string Host, string Path, string PathKey)
{
    public static CanonicalTarget Of(HttpContext context) =>
        context.Features.Get<CanonicalTarget>() ?? throw new InvalidOperationException("the request target was not canonicalized");
}
