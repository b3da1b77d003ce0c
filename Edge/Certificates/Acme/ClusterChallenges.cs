using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Tunnel.Edge.Config;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Certificates.Acme;

/// <summary>
/// The challenge answers of the whole cluster. This edge's own orders publish theirs through the control plane, which
/// hands them to every edge in the snapshot: whichever edge the CA's validation reaches (DNS round robin, anycast,
/// several vantage points) answers HTTP-01 and TLS-ALPN-01. DNS-01 goes to the zone's server (RFC 2136).
/// </summary>
public sealed class ClusterChallenges(ConfigStore config, ControlPlaneChannel channel, Dns01Updates dns, IOptions<EdgeOptions> options,
    ILogger<ClusterChallenges> logger) : IChallengeResponder
{
    private readonly ConcurrentDictionary<string, AcmeChallenge> _own = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long At, string? Answer)> _looked = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lookups = new(4);

    public string TypeFor(string name, bool wildcard) =>
        wildcard ? "dns-01" : options.Value.Acme.Challenge ?? (options.Value.PublicHttpPort > 0 ? "http-01" : "tls-alpn-01");

    public async Task PublishAsync(string type, string name, string token, string keyAuthorization, CancellationToken ct)
    {
        logger.LogInformation("ACME: answering {Type} for {Name}", type, name);
        if (type == "dns-01")
        {
            await dns.AddAsync(name, keyAuthorization, ct);
            return;
        }

        var challenge = new AcmeChallenge { Token = token, Name = name, Type = type, KeyAuthorization = keyAuthorization, EdgeId = options.Value.Id };
        _own[token] = challenge;
        await channel.Client.PutAcmeChallengeAsync(challenge, deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: ct);
        // Every edge learns of it with the next snapshot; this edge's own arriving is the sign it went out.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!config.AcmeChallenges.Any(c => c.Token == token) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct);
        }
    }

    public async Task WithdrawAsync(string type, string name, string token, string keyAuthorization, CancellationToken ct)
    {
        if (type == "dns-01")
        {
            await dns.RemoveAsync(name, keyAuthorization, ct);
            return;
        }

        _own.TryRemove(token, out _);
        try
        {
            await channel.Client.PutAcmeChallengeAsync(new AcmeChallenge { Token = token, Remove = true, EdgeId = options.Value.Id },
                deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct);
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or OperationCanceledException)
        {
            logger.LogDebug("Could not withdraw challenge {Token} (it expires by itself): {Error}", token, ex.Message);
        }
    }

    /// <summary>
    /// The HTTP-01 answer for a token pending anywhere in the cluster: from the snapshot, or, when the CA reached this edge
    /// before the snapshot did, from the control plane. Only for routed names (a scanner's paths cost nothing), a few
    /// lookups at a time, and remembered briefly.
    /// </summary>
    public async ValueTask<string?> Http01Async(string token, string host) =>
        Http01(token) ?? (config.FindByHostname(host) is null ? null
            : await LookUpAsync("http-01 " + token, new AcmeChallengeQuery { Token = token, Type = "http-01" }));

    /// <summary>The TLS-ALPN-01 answer for a name, from the snapshot or (routed names only) the control plane.</summary>
    public async ValueTask<string?> TlsAlpn01Async(string name) =>
        TlsAlpn01(name) ?? (config.FindByHostname(name) is null ? null
            : await LookUpAsync("tls-alpn-01 " + name, new AcmeChallengeQuery { Name = name, Type = "tls-alpn-01" }));

    private async ValueTask<string?> LookUpAsync(string key, AcmeChallengeQuery query)
    {
        var now = Environment.TickCount64;
        if (_looked.TryGetValue(key, out var seen) && now - seen.At < (seen.Answer is null ? 1000 : 30_000))
        {
            return seen.Answer;
        }

        if (!await _lookups.WaitAsync(0))
        {
            return null;
        }

        string? answer = null;
        try
        {
            var found = await channel.Client.GetAcmeChallengeAsync(query, deadline: DateTime.UtcNow.AddSeconds(3));
            answer = found.KeyAuthorization.Length > 0 ? found.KeyAuthorization : null;
        }
        catch (Grpc.Core.RpcException ex)
        {
            logger.LogDebug("Could not look up ACME challenge {Key}: {Error}", key, ex.Status.Detail);
        }
        finally
        {
            _lookups.Release();
        }

        if (_looked.Count > 1000)
        {
            _looked.Clear();
        }

        _looked[key] = (now, answer);
        return answer;
    }

    /// <summary>The key authorization for an HTTP-01 token pending anywhere in the cluster.</summary>
    public string? Http01(string token) =>
        (_own.TryGetValue(token, out var own) && own.Type == "http-01" ? own : null)?.KeyAuthorization
        ?? config.AcmeChallenges.FirstOrDefault(c => c.Token == token && c.Type == "http-01")?.KeyAuthorization;

    /// <summary>The key authorization of a TLS-ALPN-01 challenge pending for the name anywhere in the cluster.</summary>
    public string? TlsAlpn01(string name) =>
        _own.Values.FirstOrDefault(c => c.Type == "tls-alpn-01" && string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))?.KeyAuthorization
        ?? config.AcmeChallenges.FirstOrDefault(c => c.Type == "tls-alpn-01" && string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))?.KeyAuthorization;
}
