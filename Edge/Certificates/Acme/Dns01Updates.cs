using System.Net;
using System.Security.Cryptography;
using System.Text;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;
using Microsoft.Extensions.Options;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// DNS-01 answers (RFC 8555 §8.4) as TXT records at _acme-challenge.NAME, added and removed through RFC 2136 dynamic
/// updates signed with TSIG (RFC 8945): what BIND, Knot, PowerDNS and most self-hosted DNS servers accept. The zone's
/// server is Edge:Acme:Dns:Server; a refused update names the server's answer (NOTAUTH: the key or the zone is wrong).
/// </summary>
public sealed class Dns01Updates(IOptions<EdgeOptions> options, ILogger<Dns01Updates> logger)
{
    public bool Configured => !string.IsNullOrEmpty(options.Value.Acme.Dns.Server);

    public Task AddAsync(string name, string keyAuthorization, CancellationToken ct) => SendAsync(name, keyAuthorization, add: true, ct);

    public Task RemoveAsync(string name, string keyAuthorization, CancellationToken ct) => SendAsync(name, keyAuthorization, add: false, ct);

    /// <summary>The TXT value: base64url(SHA-256(key authorization)).</summary>
    public static string TxtValue(string keyAuthorization) =>
        System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(keyAuthorization)));

    private async Task SendAsync(string name, string keyAuthorization, bool add, CancellationToken ct)
    {
        var o = options.Value.Acme.Dns;
        if (!Configured)
        {
            throw new AcmeProblemException("urn:ietf:params:acme:error:dns", $"{name} needs DNS-01 and Edge:Acme:Dns:Server is not set", 0);
        }

        // A wildcard's authorization names the domain under the star (RFC 8555 §7.1.4); the record sits at its _acme-challenge.
        var proven = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        var record = DomainName.Parse("_acme-challenge." + proven);
        var (address, port) = Endpoint(o.Server!);
        var client = new DnsClient([address], [new UdpClientTransport(port), new TcpClientTransport(port)], false, 5000);
        var zone = o.Zone is { Length: > 0 } configured ? DomainName.Parse(configured) : await ZoneOfAsync(client, proven, o.Server!, ct);
        var message = new DnsUpdateMessage { ZoneName = zone, TransactionID = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue) };
        var txt = new TxtRecord(record, add ? 60 : 0, TxtValue(keyAuthorization));
        message.Updates.Add(add ? new AddRecordUpdate(txt) : new DeleteRecordUpdate(txt));
        if (!string.IsNullOrEmpty(o.TsigKeyName) && !string.IsNullOrEmpty(o.TsigSecret))
        {
            message.TSigOptions = new TSigRecord(DomainName.Parse(o.TsigKeyName), Algorithm(o.TsigAlgorithm), DateTime.UtcNow, TimeSpan.FromMinutes(5),
                message.TransactionID, ReturnCode.NoError, null, Convert.FromBase64String(o.TsigSecret));
        }

        var response = await client.SendUpdateAsync(message, ct);
        if (response is null)
        {
            throw new AcmeProblemException("urn:ietf:params:acme:error:dns", $"the DNS server {o.Server} did not answer the update of {record} (is it running, on that port?)", 0);
        }

        if (response.ReturnCode != ReturnCode.NoError)
        {
            throw new AcmeProblemException("urn:ietf:params:acme:error:dns",
                $"the DNS server {o.Server} refused to {(add ? "add" : "remove")} the TXT record {record} in zone {zone}: {response.ReturnCode}"
                + (response.ReturnCode is ReturnCode.NotAuthoritive or ReturnCode.Refused ? " (check Edge:Acme:Dns:Zone and the TSIG key the server allows updates with)" : ""), 0);
        }

        // A signed update wants a signed answer (RFC 8945 §5.3): a NOERROR anyone on the path could forge is not a record added.
        if (message.TSigOptions is not null && response.TSigOptions?.ValidationResult != ReturnCode.NoError)
        {
            throw new AcmeProblemException("urn:ietf:params:acme:error:dns",
                $"the DNS server {o.Server}'s answer to the update of {record} is not signed with the TSIG key {o.TsigKeyName} "
                + $"({(response.TSigOptions is null ? "no signature" : response.TSigOptions.ValidationResult.ToString())}): is that the zone's primary, with that key?", 0);
        }

        logger.LogInformation("DNS-01: {Action} TXT {Record} in zone {Zone} at {Server}", add ? "added" : "removed", record, zone, o.Server);
    }

    /// <summary>The zone holding the name: the nearest enclosing name the server answers an SOA for (Edge:Acme:Dns:Zone overrides).</summary>
    private static async Task<DomainName> ZoneOfAsync(DnsClient client, string name, string server, CancellationToken ct)
    {
        for (var candidate = name; candidate.Contains('.'); candidate = candidate[(candidate.IndexOf('.') + 1)..])
        {
            var answer = await client.ResolveAsync(DomainName.Parse(candidate), RecordType.Soa, RecordClass.INet, null, ct);
            if (answer?.AnswerRecords.OfType<SoaRecord>().FirstOrDefault() is { } soa)
            {
                return soa.Name;
            }
        }

        throw new AcmeProblemException("urn:ietf:params:acme:error:dns",
            $"the DNS server {server} is authoritative for no zone holding {name}: set Edge:Acme:Dns:Zone, or point Edge:Acme:Dns:Server at the zone's primary", 0);
    }

    private static TSigAlgorithm Algorithm(string name) => name.ToLowerInvariant() switch
    {
        "hmac-sha256" => TSigAlgorithm.Sha256,
        "hmac-sha384" => TSigAlgorithm.Sha384,
        "hmac-sha512" => TSigAlgorithm.Sha512,
        "hmac-sha1" => TSigAlgorithm.Sha1,
        _ => throw new AcmeProblemException("urn:ietf:params:acme:error:dns", $"Edge:Acme:Dns:TsigAlgorithm '{name}' is not one of hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha1", 0),
    };

    private static (IPAddress Address, int Port) Endpoint(string server)
    {
        var colon = server.LastIndexOf(':');
        if (colon > 0 && !server.EndsWith(']') && int.TryParse(server[(colon + 1)..], out var port) && IPAddress.TryParse(server[..colon].Trim('[', ']'), out var withPort))
        {
            return (withPort, port);
        }

        return IPAddress.TryParse(server.Trim('[', ']'), out var address) ? (address, 53)
            : throw new AcmeProblemException("urn:ietf:params:acme:error:dns", $"Edge:Acme:Dns:Server '{server}' is not an IP address with an optional :port", 0);
    }
}
