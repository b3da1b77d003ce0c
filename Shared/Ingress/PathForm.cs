using System.Text;

namespace Tunnel.Shared.Ingress;

/// <summary>
/// The one canonical form of a request path, shared by the edge's gate, its router and what goes upstream, and the
/// key that path prefixes are compared on.
///
/// Input is the path as the server decoded it once (percent escapes other than %2F undone, dot segments resolved).
/// Canonical: repeated slashes merged. Refused (no single meaning): anything still holding '%' (an encoded '/', '\'
/// or '%' that origins decode differently), a backslash, an encoded '?' or '#', a control character, or a segment that some servers read as
/// '.' or '..' once they drop ';' parameters or trailing dots and spaces ('..;', '.. ', '...').
///
/// The key is what origins may take the path to mean, folded together: Unicode compatibility form (NFKC: fullwidth,
/// mathematical and modifier letters, look-alike dots and spaces), case (as case-insensitive comparers fold it), ';' parameters cut, trailing dots and spaces trimmed per segment. A prefix that
/// protects matches on keys; so /admin protects /ADMIN, /admin;x=1, /admin. and /ａｄｍｉｎ alike.
/// </summary>
public static class PathForm
{
    /// <summary>The canonical path and its key, in one pass (the key of each segment is computed once).</summary>
    public static bool TryCanonicalize(string decodedPath, out string canonical, out string key, out string error)
    {
        canonical = "";
        key = "";
        if (decodedPath.Length == 0 || decodedPath[0] != '/')
        {
            error = "the request target is not an absolute path (origin form, starting with '/')";
            return false;
        }

        var builder = new StringBuilder(decodedPath.Length);
        foreach (var c in decodedPath)
        {
            if (c == '%')
            {
                error = "the path holds an encoded '/', '\\' or '%' (such as %2F or %252F), which servers decode differently";
                return false;
            }

            if (c == '\\')
            {
                error = "the path holds a backslash, which some servers read as '/'";
                return false;
            }

            if (c is '?' or '#')
            {
                error = "the path holds an encoded '?' or '#' (%3F, %23), which some servers take as the start of the query or fragment";
                return false;
            }

            if (char.IsControl(c))
            {
                error = "the path holds a control character";
                return false;
            }

            if (c == '/' && builder.Length > 0 && builder[^1] == '/')
            {
                continue; // "//admin" is "/admin" to most servers: forward the form they all agree on
            }

            builder.Append(c);
        }

        canonical = builder.ToString();
        if (!HasUnicodeTables && !Ascii.IsValid(canonical))
        {
            error = "the path holds non-ASCII characters and this edge runs without Unicode tables (invariant globalization) to compare them";
            return false;
        }

        var keys = new StringBuilder(canonical.Length);
        foreach (var segment in canonical.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segmentKey = SegmentKey(segment);
            if (segmentKey is "" or "." or "..")
            {
                error = $"the path segment '{segment}' is read as '{(segmentKey.Length == 0 ? "(empty)" : segmentKey)}' by some servers";
                return false;
            }

            if (segmentKey.AsSpan().IndexOfAny('/', '\\', '%') >= 0)
            {
                error = $"the path segment '{segment}' holds a character that servers fold into '/', '\\' or '%'";
                return false;
            }

            keys.Append('/').Append(segmentKey);
        }

        key = keys.Length == 0 ? "/" : keys.ToString();
        error = "";
        return true;
    }

    /// <summary>The comparison key of an Access domain's path prefix (requests get theirs from <see cref="TryCanonicalize"/>).</summary>
    public static string Key(string path)
    {
        var builder = new StringBuilder(path.Length);
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append('/').Append(SegmentKey(segment));
        }

        return builder.Length == 0 ? "/" : builder.ToString();
    }

    /// <summary>Whether a prefix covers a path: whole segments only (/admin covers /admin and /admin/x, not /administrator).</summary>
    public static bool Covers(string prefix, string path, StringComparison comparison = StringComparison.Ordinal)
    {
        if (prefix.Length == 0 || prefix == "/")
        {
            return true;
        }

        return path.StartsWith(prefix, comparison) && (path.Length == prefix.Length || path[prefix.Length] == '/');
    }

    /// <summary>
    /// Whether this process has Unicode normalization tables (ICU). Under invariant globalization it has none, and
    /// a path holding non-ASCII characters is refused rather than compared unfolded.
    /// </summary>
    public static readonly bool HasUnicodeTables = "\uFF41".Normalize(NormalizationForm.FormKC) == "a";

    private static string SegmentKey(string segment)
    {
        // Compatibility form: fullwidth and mathematical letters, look-alike dots and spaces become what they imitate.
        var text = HasUnicodeTables && !Ascii.IsValid(segment) ? segment.Normalize(NormalizationForm.FormKC) : segment;
        var semicolon = text.IndexOf(';');
        if (semicolon >= 0)
        {
            text = text[..semicolon];
        }

        // Case as every case-insensitive comparer folds it: upper then lower (ſ and s alike), and the Turkish dotted and
        // dotless i, which Java's equalsIgnoreCase equates with i though .NET's invariant casing does not.
        return text.TrimEnd('.', ' ').Replace('\u0131', 'i').Replace('\u0130', 'i').ToUpperInvariant().ToLowerInvariant();
    }
}
