using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using Tunnel.Shared.Ingress;

namespace Tunnel.Connector.Cli;

/// <summary>
/// Up-front checks for options that take a file, an address, a URL or a duration: a mistake is answered at parse
/// time with one line saying what is wrong and what to write, before anything connects or retries.
/// </summary>
public static class OptionChecks
{
    /// <summary>The value names a file that exists (a PEM file, a config file).</summary>
    public static Option<string?> MustBeExistingFile(this Option<string?> option, string what)
    {
        option.Validators.Add(result => Check(result, option, value =>
            File.Exists(value) ? null : Directory.Exists(value) ? $"is a directory: give the path of {what}" : $"does not exist: give the path of {what}"));
        return option;
    }

    /// <summary>HOST:PORT with an explicit port (a bare port or a URL is refused).</summary>
    public static Option<string?> MustBeHostAndPort(this Option<string?> option, string example)
    {
        option.Validators.Add(result => Check(result, option, value =>
            TryParseHostAndPort(value, out _, out _) ? null : $"is not an address: write HOST:PORT, like {example}"));
        return option;
    }

    /// <summary>An absolute URL with one of the given schemes.</summary>
    public static Option<T> MustBeUrl<T>(this Option<T> option, string example, params string[] schemes)
    {
        option.Validators.Add(result => Check(result, option, value =>
            Uri.TryCreate(value, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme) && uri.Host.Length > 0
                ? null
                : $"is not an {string.Join(" or ", schemes.Select(s => s + "://"))} URL: write it like {example}"));
        return option;
    }

    /// <summary>A duration such as 30s, 500ms, 2m.</summary>
    public static Option<T> MustBeDuration<T>(this Option<T> option)
    {
        option.Validators.Add(result => Check(result, option, value =>
            OriginRequest.TryParseDuration(value, out _) ? null : "is not a duration: write it like 30s, 500ms or 2m"));
        return option;
    }

    /// <summary>HOST:PORT, [IPv6]:PORT; the port between 1 and 65535.</summary>
    public static bool TryParseHostAndPort(string text, out string host, out int port)
    {
        (host, port) = ("", 0);
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            return IPAddress.TryParse(host[1..^1], out _);
        }

        return !host.Contains(':') && !host.Contains('/') && Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }

    private static void Check<T>(OptionResult result, Option<T> option, Func<string, string?> problem)
    {
        // An option given several times (--edge A --edge B) is checked value by value.
        var value0 = result.GetValueOrDefault<T>();
        var values = value0 is string[] many ? many.Cast<string?>() : new[] { value0?.ToString() };
        foreach (var value in values)
        {
            if (string.IsNullOrWhiteSpace(value) || problem(value) is not { } message)
            {
                continue;
            }

            // A value from the environment names its variable: the user did not type it on this command line.
            var source = result.Implicit && EnvironmentVariable(option) is { } variable ? $"{option.Name} (from {variable})" : option.Name;
            result.AddError($"{source} '{value}' {message}");
            return;
        }
    }

    /// <summary>The environment variable an option falls back to, as its description names it ("[env TUNNEL_X]").</summary>
    public static string? EnvironmentVariable(this Option option)
    {
        var description = option.Description ?? "";
        var start = description.IndexOf("[env ", StringComparison.Ordinal);
        var end = start < 0 ? -1 : description.IndexOf(']', start);
        return end < 0 ? null : description[(start + 5)..end];
    }
}
