namespace Tunnel.ControlPlane.Infrastructure;

/// <summary>What other parts send, made to fit the column it goes in.</summary>
public static class Columns
{
    /// <summary>At most <paramref name="max"/> characters, never half of a surrogate pair (Postgres refuses those).</summary>
    public static string Cut(string value, int max) =>
        value.Length <= max ? value : value[..(char.IsHighSurrogate(value[max - 1]) ? max - 1 : max)];
}
