using System.Globalization;

namespace Tunnel.Shared.Ingress;

/// <summary>
/// The one normal form of a hostname everywhere (routes, Access domains, the edge's view of a request, cookies):
/// lower case, ASCII (punycode for international names), no trailing dot. A leading "*." is kept as is.
/// </summary>
public static class HostnameForm
{
    private static readonly IdnMapping Idn = new();

    /// <summary>The normal form, or null when the text is not a hostname (empty, bad punycode, stray characters).</summary>
    public static string? Normalize(string? hostname)
    {
        if (string.IsNullOrWhiteSpace(hostname))
        {
            return null;
        }

        var text = hostname.Trim();
        if (text.EndsWith('.'))
        {
            text = text[..^1];
        }

        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        if (wildcard)
        {
            text = text[2..];
        }

        if (text.Length == 0 || text.Contains('*'))
        {
            return null;
        }

        string ascii;
        try
        {
            // Through Unicode and back: two spellings of one name (xn--BCHER-kva, bücher) end in the same form.
            var lower = text.ToLowerInvariant();
            var unicode = System.Text.Ascii.IsValid(lower) ? Idn.GetUnicode(lower) : lower;
            ascii = Idn.GetAscii(unicode).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }

        foreach (var c in ascii)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.' or '_'))
            {
                return null;
            }
        }

        return wildcard ? "*." + ascii : ascii;
    }
}
