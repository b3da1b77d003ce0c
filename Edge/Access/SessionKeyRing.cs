using System.Xml;
using System.Xml.Linq;

namespace Tunnel.Edge.Access;

/// <summary>
/// The shared data-protection keys of one snapshot (<c>&lt;key&gt;</c> elements from the control plane). Superseded,
/// its token is cancelled, which tells the key ring provider to read the keys again at once instead of after its
/// 24-hour cache (an empty ring read before the first snapshot is not cached at all).
/// </summary>
public sealed class SessionKeyRing
{
    private readonly CancellationTokenSource _superseded = new();
    private readonly IReadOnlyList<string> _xml;

    private SessionKeyRing(IReadOnlyList<string> xml, IReadOnlyList<XElement> elements)
    {
        _xml = xml;
        Elements = elements;
    }

    public IReadOnlyList<XElement> Elements { get; }

    public CancellationToken Superseded => _superseded.Token;

    /// <summary>The ring of a new snapshot: the previous one when the keys are the same, so no refresh is triggered.</summary>
    public static SessionKeyRing Of(IReadOnlyList<string> xml, SessionKeyRing? previous, ILogger logger)
    {
        if (previous is not null && previous._xml.SequenceEqual(xml, StringComparer.Ordinal))
        {
            return previous;
        }

        var elements = new List<XElement>(xml.Count);
        foreach (var key in xml)
        {
            try
            {
                elements.Add(XElement.Parse(key));
            }
            catch (XmlException ex)
            {
                logger.LogError("A session key in the config is unreadable and is skipped: {Error}", ex.Message);
            }
        }

        return new SessionKeyRing(xml, elements);
    }

    public void Supersede() => _superseded.Cancel();
}
