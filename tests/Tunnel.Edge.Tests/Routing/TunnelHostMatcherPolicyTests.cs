using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Forwarder;
using Tunnel.Edge.Routing;

namespace Tunnel.Edge.Tests.Routing;

/// <summary>
/// The edge's host matching, against its definition on random names, wildcards and Host headers: the exact name's
/// routes, then the narrowest covering wildcard's, in the edge's order. (ASP.NET Core's own policy is no oracle: under a
/// broader wildcard it offers a narrower one's routes, so x.example.com could reach the tunnel of *.a.example.com.)
/// </summary>
public sealed class TunnelHostMatcherPolicyTests
{
    private static readonly Gen<string> Label = Gen.OneOfConst("a", "b", "A", "xn--b", "é", "É", "app", "");
    private static readonly Gen<string> Name = Label.Array[1, 4].Select(labels => string.Join('.', labels));

    /// <summary>A route's host: none (an edge endpoint: any host), an exact name or a wildcard; lower case, as the edge normalizes names.</summary>
    private static readonly Gen<string?> RouteHost = Gen.Frequency(
        (1, Gen.Const((string?)null)),
        (4, Name.Where(n => n.Length > 0 && !n.StartsWith('.') && !n.EndsWith('.') && !n.Contains("..")).Select(n => (string?)n.ToLowerInvariant())),
        (2, Name.Where(n => n.Length > 0 && !n.StartsWith('.') && !n.EndsWith('.') && !n.Contains("..")).Select(n => (string?)("*." + n.ToLowerInvariant()))));

    private static readonly Gen<string> RequestHost = Gen.Select(Name, Gen.OneOfConst("", ":443", ":8080"), (n, port) => n + port);

    [Fact]
    public void Chooses_the_exact_names_routes_then_the_narrowest_wildcards()
    {
        Gen.Select(RouteHost.Array[0, 12], RequestHost.Array[1, 8]).Sample(input =>
        {
            var (routeHosts, requests) = input;
            var ours = routeHosts.Select((h, i) => OurEndpoint(h, i)).ToList();
            foreach (var request in requests)
            {
                var actual = Choose(new TunnelHostMatcherPolicy(), ours, request);
                var expected = Oracle(routeHosts, request);
                var why = $"routes [{string.Join(", ", routeHosts.Select(h => h ?? "(any)"))}], Host {request}: "
                    + $"expected [{string.Join(", ", expected ?? ["(the request fails)"])}], ours [{string.Join(", ", actual)}]";
                Assert.True((expected ?? ["(bad punycode: the request fails)"]).SequenceEqual(actual), why);
            }
        }, iter: 3_000);
    }

    /// <summary>
    /// The oracle, by the definition: endpoints in order that match any host, the exact name's, and the narrowest
    /// covering wildcard's (null when the Host cannot be read: the request fails either way).
    /// </summary>
    private static List<string>? Oracle(string?[] routeHosts, string request)
    {
        if (routeHosts.All(h => h is null))
        {
            return routeHosts.Select((h, i) => $"{i}:*").ToList(); // no tunnel route here: the policy stays out
        }

        if (HostOf(request) is not { } host)
        {
            return null;
        }

        var owner = routeHosts.Where(h => h is not null && h.StartsWith("*.", StringComparison.Ordinal) && Covers(h, host)).MaxBy(h => h!.Length);
        return routeHosts.Select((h, i) => (h, i)).Where(r => r.h is null || host.Equals(r.h, StringComparison.OrdinalIgnoreCase) || r.h == owner)
            .Select(r => $"{r.i}:{r.h ?? "*"}").ToList();
    }

    private static bool Covers(string? routeHost, string host) =>
        routeHost is null || (routeHost.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(routeHost[1..], StringComparison.OrdinalIgnoreCase)
            : host.Equals(routeHost, StringComparison.OrdinalIgnoreCase));

    /// <summary>The host as the edge reads it from the header; null when it cannot (bad punycode: the request fails).</summary>
    private static string? HostOf(string header)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Host = header;
        try
        {
            return context.Request.Host.Host;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    [Fact]
    public void Does_not_apply_to_the_edges_own_endpoints()
    {
        Assert.False(new TunnelHostMatcherPolicy().AppliesToEndpoints([OurEndpoint(null, 0), OurEndpoint(null, 1)]));
        Assert.True(new TunnelHostMatcherPolicy().AppliesToEndpoints([OurEndpoint(null, 0), OurEndpoint("a.example.com", 1)]));
    }

    /// <summary>The names of the endpoints the policy's jump table sends the request to, in the edge's order.</summary>
    private static List<string> Choose(INodeBuilderPolicy policy, IReadOnlyList<Endpoint> endpoints, string host)
    {
        if (!policy.AppliesToEndpoints(endpoints))
        {
            return endpoints.Select(e => e.DisplayName!).ToList(); // no host metadata at all: every endpoint stays
        }

        var edges = policy.GetEdges(endpoints);
        var table = policy.BuildJumpTable(-1, edges.Select((e, i) => new PolicyJumpTableEdge(e.State, i)).ToList());
        var context = new DefaultHttpContext();
        context.Request.Headers.Host = host; // the header as it arrived, as Kestrel sets it
        int destination;
        try
        {
            destination = table.GetDestination(context);
        }
        catch (ArgumentException)
        {
            return ["(bad punycode: the request fails)"]; // HttpRequest.Host throws, for either policy
        }

        return destination < 0 ? [] : edges[destination].Endpoints.Select(e => e.DisplayName!).ToList();
    }

    private static Endpoint OurEndpoint(string? host, int index)
    {
        var metadata = host is null ? null : new Dictionary<string, string> { [TunnelRouteMetadata.Host] = host };
        var route = new RouteConfig { RouteId = $"r{index}", Match = new RouteMatch { Path = "/{**path}" }, Metadata = metadata };
        return new Endpoint(null, new EndpointMetadataCollection(new RouteModel(route, null, HttpTransformer.Default)), $"{index}:{host ?? "*"}");
    }
}
