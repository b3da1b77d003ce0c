using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace Tunnel.Shared.Ingress;

/// <summary>How the connector talks to an origin, as cloudflared's `originRequest` block (top level or per rule).</summary>
public sealed partial record OriginRequest
{
    public static readonly OriginRequest Default = new();

    /// <summary>Accept any certificate from an https:// origin.</summary>
    [YamlMember(Alias = "noTLSVerify", ApplyNamingConventions = false), JsonPropertyName("noTLSVerify")]
    public bool? NoTlsVerify { get; set; }

    /// <summary>The name to ask for (SNI) and to verify the origin's certificate against, instead of the service's host.</summary>
    [YamlMember(Alias = "originServerName", ApplyNamingConventions = false), JsonPropertyName("originServerName")]
    public string? OriginServerName { get; set; }

    /// <summary>PEM file of the CA(s) to trust for the origin's certificate, instead of the system store.</summary>
    [YamlMember(Alias = "caPool", ApplyNamingConventions = false), JsonPropertyName("caPool")]
    public string? CaPool { get; set; }

    /// <summary>The Host header the origin receives, instead of the public hostname.</summary>
    [YamlMember(Alias = "httpHostHeader", ApplyNamingConventions = false), JsonPropertyName("httpHostHeader")]
    public string? HttpHostHeader { get; set; }

    /// <summary>How long dialing the origin may take, e.g. "10s" or "1m".</summary>
    [YamlMember(Alias = "connectTimeout", ApplyNamingConventions = false), JsonPropertyName("connectTimeout")]
    public string? ConnectTimeout { get; set; }

    [JsonIgnore]
    public TimeSpan ConnectTimeoutValue => TryParseDuration(ConnectTimeout, out var value) ? value : TimeSpan.FromSeconds(30);

    /// <summary>This rule's settings over the file's defaults.</summary>
    public OriginRequest Over(OriginRequest defaults) => new()
    {
        NoTlsVerify = NoTlsVerify ?? defaults.NoTlsVerify,
        OriginServerName = OriginServerName ?? defaults.OriginServerName,
        CaPool = CaPool ?? defaults.CaPool,
        HttpHostHeader = HttpHostHeader ?? defaults.HttpHostHeader,
        ConnectTimeout = ConnectTimeout ?? defaults.ConnectTimeout,
    };

    public string? Error(bool checkFiles = true)
    {
        if (ConnectTimeout is not null && !TryParseDuration(ConnectTimeout, out _))
        {
            return $"connectTimeout '{ConnectTimeout}' is not a duration: write it like 30s, 500ms or 1m";
        }

        if (CaPool is not null && (CaPool.Length == 0 || (checkFiles && !File.Exists(CaPool))))
        {
            return $"caPool file {CaPool} does not exist";
        }

        if (HttpHostHeader is not null && (HttpHostHeader.Length == 0 || HttpHostHeader.Any(c => char.IsWhiteSpace(c) || c == '/')))
        {
            return $"httpHostHeader '{HttpHostHeader}' is not a host name";
        }

        return null;
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h)$")]
    private static partial Regex DurationPattern();

    /// <summary>Durations as config.yml and flags write them: 500ms, 30s, 1m, 2h.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan value)
    {
        value = default;
        var match = text is null ? null : DurationPattern().Match(text.Trim());
        if (match is not { Success: true })
        {
            return false;
        }

        var n = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        try
        {
            value = match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromHours(n),
            };
        }
        catch (OverflowException)
        {
            return false; // longer than any TimeSpan: not a duration anyone means
        }

        return value > TimeSpan.Zero;
    }
}
