using System.Globalization;
using System.Text.RegularExpressions;

namespace Tunnel.ControlPlane.Tunnels;

/// <summary>What a tunnel name and a public hostname may look like; each error says what is wrong.</summary>
public static partial class NameRules
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex TunnelNamePattern();

    [GeneratedRegex("^(?!-)[a-z0-9-]{1,63}(?<!-)$")]
    private static partial Regex LabelPattern();

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    public static string? TunnelNameError(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "a tunnel name is required"
        : TunnelNamePattern().IsMatch(name) ? null
        : $"tunnel name '{name}' is invalid: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";

    /// <summary>
    /// Lower-cases and converts international names to their ASCII (punycode) form. A leading "*." routes every name
    /// below the rest (one label or more), as a DNS wildcard does; exact names win over wildcards.
    /// </summary>
    public static bool TryNormalizeHostname(string? hostname, out string normalized, out string error)
    {
        normalized = "";
        if (string.IsNullOrWhiteSpace(hostname))
        {
            error = "a hostname is required";
            return false;
        }

        var text = hostname.Trim().TrimEnd('.');
        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        if (wildcard)
        {
            text = text[2..];
        }

        if (text.Contains('*'))
        {
            error = $"hostname '{hostname}' has a wildcard that is not its whole first label: write it as *.example.com";
            return false;
        }

        if (wildcard && text.Count(c => c == '.') < 1)
        {
            error = $"hostname '{hostname}' is too wide: a wildcard needs at least two labels after it, e.g. *.dev.example.com";
            return false;
        }

        try
        {
            text = Idn.GetAscii(text).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = $"hostname '{hostname}' is not a valid DNS name";
            return false;
        }

        var labels = text.Split('.');
        if (text.Length > 253 || labels.Length < 2 || !labels.All(l => LabelPattern().IsMatch(l)))
        {
            error = $"hostname '{hostname}' is not a valid DNS name: it needs at least two labels of letters, digits and '-', each at most 63 characters, 253 in all";
            return false;
        }

        normalized = wildcard ? "*." + text : text;
        error = "";
        return true;
    }
}
