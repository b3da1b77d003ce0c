using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Tunnel.Edge.Access;

/// <summary>
/// The edge's data-protection keys: the ring in the config snapshot. Storing is refused: a key only this edge held
/// would protect login state no other edge could read, so the control plane makes every key.
/// </summary>
public sealed class SnapshotKeyRepository(AccessState state) : IXmlRepository
{
    // Copies: the key manager keeps what it reads, and the ring's elements are shared by every reader.
    public IReadOnlyCollection<XElement> GetAllElements() => state.SessionKeys.Elements.Select(e => new XElement(e)).ToList();

    public void StoreElement(XElement element, string friendlyName) =>
        throw new InvalidOperationException($"Edges do not store data-protection keys ({friendlyName}): the control plane makes them and sends them in the config.");
}
