using Tunnel.Connector.Connection;

namespace Tunnel.Connector.Supervisor;

/// <summary>
/// Which edge each HA connection dials. Edges named with --edge are used as they are; otherwise the first
/// connection dials the token's edge and the registration tells of every edge of the cluster, over which the
/// connections then spread (connection i on edge i mod n, as cloudflared spreads over two locations). A connection
/// that loses its edge moves to the next one in the list on its next attempt.
/// </summary>
public sealed class EdgeAddresses(ConnectorSettings settings)
{
    /// <summary>How long the other connections wait for the first one's registration to learn the edges.</summary>
    private static readonly TimeSpan DiscoveryWait = TimeSpan.FromSeconds(5);

    private readonly TaskCompletionSource _discovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IReadOnlyList<Uri> _edges = settings.PinnedEdges ?? [settings.EdgeUrl];

    public IReadOnlyList<Uri> Current => _edges;

    /// <summary>
    /// An edge the operator named (the token's or --edge): a failure there that retrying cannot fix (an untrusted
    /// certificate) stops the connector; on an edge only the cluster told of, the connection moves on instead.
    /// </summary>
    public bool IsOperatorGiven(Uri edge) => settings.PinnedEdges?.Contains(edge) ?? edge == settings.EdgeUrl;

    /// <summary>The edges a registration named (ignored when pinned, or when it names none).</summary>
    public void Learn(IEnumerable<string> edges)
    {
        if (settings.PinnedEdges is null)
        {
            var learned = edges.Select(e => Uri.TryCreate(e, UriKind.Absolute, out var uri) && uri.Scheme == "https" ? uri : null)
                .OfType<Uri>().Distinct().ToList();
            if (learned.Count > 0)
            {
                _edges = learned;
            }
        }

        _discovered.TrySetResult();
    }

    /// <summary>Connection 0 dials at once; the others give the first registration a moment to name the edges.</summary>
    public async Task WaitForDiscoveryAsync(int index, CancellationToken cancellationToken)
    {
        if (index > 0 && settings.PinnedEdges is null)
        {
            await _discovered.Task.WaitAsync(DiscoveryWait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The edge for a connection's attempt-th (re)connection: spread by index, moving on with each failure.</summary>
    public Uri For(int index, int attempt)
    {
        var edges = _edges;
        return edges[(index + attempt) % edges.Count];
    }
}
