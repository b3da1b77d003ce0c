using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tunnel.Shared.Serialization;

/// <summary>
/// Every JSON document we read (API bodies, Access applications, ingress rules) is strict: an unknown key is an
/// error, because a misspelt key that is silently dropped can widen access. This turns System.Text.Json's messages
/// into one line a person can act on: where (the JSON path) and what was expected.
/// </summary>
public static partial class JsonErrors
{
    public static string Describe(JsonException exception)
    {
        var path = string.IsNullOrEmpty(exception.Path) ? "$" : exception.Path;
        var message = exception.Message;
        if (UnmappedPattern().Match(message) is { Success: true } unmapped)
        {
            var parent = path.EndsWith("." + unmapped.Groups["key"].Value, StringComparison.Ordinal)
                ? path[..^(unmapped.Groups["key"].Value.Length + 1)]
                : path;
            return $"unknown key '{unmapped.Groups["key"].Value}' at {parent}: check its spelling (keys are camelCase)";
        }

        // A primitive of the wrong kind: the reader's inner message names both kinds (the outer one may name the parent type).
        if (exception.InnerException is InvalidOperationException inner && TokenPattern().Match(inner.Message) is { Success: true } token)
        {
            return $"{path}: expected {Article(token.Groups["want"].Value)}, got {Article(token.Groups["got"].Value.ToLowerInvariant())}";
        }

        if (exception.InnerException is FormatException format && FormatPattern().Match(format.Message) is { Success: true } bounds)
        {
            return $"{path}: expected {Expected("System." + bounds.Groups["type"].Value)} in range";
        }

        if (ConvertPattern().Match(message) is { Success: true } convert)
        {
            return $"{path}: expected {Expected(convert.Groups["type"].Value)}";
        }

        // Syntax errors: keep the reader's text, without the repeated path suffix.
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return $"{path}: {(cut >= 0 ? message[..cut] : message).TrimEnd('.')}";
    }

    private static string Expected(string type)
    {
        var t = type.Replace("System.Nullable`1[", "", StringComparison.Ordinal).TrimEnd(']');
        return t switch
        {
            _ when t.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal)
                || t.StartsWith("System.Collections.Generic.IReadOnlyList", StringComparison.Ordinal) => "a list ([…])",
            "System.String" => "a string",
            "System.Int32" or "System.Int64" or "System.Double" => "a number",
            "System.Boolean" => "true or false",
            "System.Guid" => "an id (a UUID string)",
            "System.DateTimeOffset" or "System.DateTime" => "a date (ISO 8601 string)",
            _ => "an object ({…})",
        };
    }

    private static string Article(string kind) => kind switch
    {
        "true" or "false" or "null" => kind,
        "startarray" => "a list",
        "startobject" => "an object",
        "boolean" => "true or false",
        _ => (kind.Length > 0 && "aeiou".Contains(kind[0], StringComparison.Ordinal) ? "an " : "a ") + kind,
    };

    [GeneratedRegex(@"token type '(?<got>\w+)' as an? (?<want>\w+)")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"for an? (?<type>\w+)\.?$")]
    private static partial Regex FormatPattern();

    [GeneratedRegex(@"The JSON property '(?<key>[^']*)' could not be mapped")]
    private static partial Regex UnmappedPattern();

    [GeneratedRegex(@"could not be converted to (?<type>[^ .][^ ]*?)\.? Path")]
    private static partial Regex ConvertPattern();
}
