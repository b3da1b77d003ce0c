using System.Text.Json;

namespace Tunnel.Connector.Cli;

/// <summary>
/// Commands that act on one item (revoke, delete) take its id or its name: a name is looked up in the item's list,
/// and one that matches nothing, or several items, is answered with one line saying what to give instead.
/// </summary>
public static class NameResolver
{
    /// <param name="what">What the item is called in messages, e.g. "API token".</param>
    /// <param name="listCommand">The command that lists them, e.g. "tunnel tokens list".</param>
    /// <param name="prefer">Among several items of that name, the ones to pick from (e.g. not revoked yet).</param>
    /// <param name="alsoKey">Another property that names an item as well (a service token's client id).</param>
    public static async Task<Guid> IdAsync(ControlPlaneApiClient api, string listPath, string text, string what, string listCommand,
        CancellationToken ct, Func<JsonElement, bool>? prefer = null, string? alsoKey = null)
    {
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }

        var items = (await api.GetAsync(listPath, ct)).EnumerateArray()
            .Where(e => e.Text("name") == text || (alsoKey is not null && e.Text(alsoKey) == text)).ToList();
        if (items.Count > 1 && prefer is not null && items.Where(prefer).ToList() is { Count: > 0 } preferred)
        {
            items = preferred;
        }

        return items switch
        {
            [var only] => only.GetProperty("id").GetGuid(),
            [] => throw new CliException($"no {what} named '{text}': give its name or id, as `{listCommand}` shows them"),
            _ => throw new CliException($"{items.Count} {what}s are named '{text}': give the id of one ({string.Join(", ", items.Select(e => e.Text("id")))})"),
        };
    }
}
