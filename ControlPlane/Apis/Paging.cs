namespace Tunnel.ControlPlane.Apis;

/// <summary>`limit` (1–500, default 100) and `after` (the previous page's Next) on every list.</summary>
internal static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static string? LimitError(int? limit) =>
        limit is < 1 or > MaxLimit ? $"limit must be between 1 and {MaxLimit}" : null;

    public static Page<T> Of<T>(List<T> rowsPlusOne, int limit, Func<T, string> cursor) =>
        rowsPlusOne.Count > limit
            ? new Page<T>(rowsPlusOne[..limit], cursor(rowsPlusOne[limit - 1]))
            : new Page<T>(rowsPlusOne, null);
}
