using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// <see cref="RawHttp2Client"/> against an in-process Kestrel (HTTPS, HTTP/2 only), and its HPACK decoder against
/// the examples of RFC 7541 Appendix C.
/// </summary>
public sealed class RawHttp2ClientTests(RawHttp2ClientTests.KestrelServer server) : IClassFixture<RawHttp2ClientTests.KestrelServer>
{
    private const string Sni = "raw.example.test";

    private List<(string Name, string Value)> Request(string method, string path, params (string Name, string Value)[] more) =>
        [(":method", method), (":scheme", "https"), (":authority", $"{Sni}:{server.Port}"), (":path", path), .. more];

    [Fact]
    public async Task Sends_the_headers_as_given_and_decodes_the_response_headers()
    {
        var longValue = string.Concat(Enumerable.Range(0, 30).Select(i => $"value-{i:D3}-")); // 300 chars
        Assert.Equal(300, longValue.Length);
        var response = await RawHttp2Client.SendAsync(server.Port, Sni,
            Request("GET", "/echo?q=1", ("x-long", longValue), ("x-custom", "Mixed Case, Value")));

        Assert.Equal(200, response.Status);
        Assert.False(response.TimedOut);
        Assert.Null(response.ResetErrorCode);
        Assert.Equal("ok", response.Header("X-Raw-Test"));
        Assert.Equal("200", response.Header(":status"));
        Assert.StartsWith("application/json", response.Header("content-type"));
        using var echo = JsonDocument.Parse(response.BodyText);
        var root = echo.RootElement;
        Assert.Equal($"{Sni}:{server.Port}", root.GetProperty("host").GetString());
        Assert.Equal(Sni, root.GetProperty("sni").GetString());
        Assert.Equal("GET", root.GetProperty("method").GetString());
        Assert.Equal("/echo?q=1", root.GetProperty("pathAndQuery").GetString());
        Assert.Equal(longValue, root.GetProperty("headers").GetProperty("x-long").GetString());
        Assert.Equal("Mixed Case, Value", root.GetProperty("headers").GetProperty("x-custom").GetString());
        Assert.Equal(0, root.GetProperty("bodyLength").GetInt32());
    }

    [Fact]
    public async Task Sends_a_large_body_within_the_servers_flow_control_windows()
    {
        var body = new byte[200_000]; // more than the 65,535-byte initial windows and many 16 KiB frames
        Random.Shared.NextBytes(body);
        var response = await RawHttp2Client.SendAsync(server.Port, Sni, Request("POST", "/echo", ("content-type", "application/octet-stream")), body);

        Assert.Equal(200, response.Status);
        using var echo = JsonDocument.Parse(response.BodyText);
        Assert.Equal(body.Length, echo.RootElement.GetProperty("bodyLength").GetInt32());
        Assert.Equal(Convert.ToHexString(SHA256.HashData(body)), echo.RootElement.GetProperty("bodySha256").GetString());
    }

    [Fact]
    public async Task Reads_a_100_KB_body_handing_back_the_flow_control_window()
    {
        var response = await RawHttp2Client.SendAsync(server.Port, Sni, Request("GET", "/big"));

        Assert.Equal(200, response.Status);
        Assert.Equal(KestrelServer.Big.Length.ToString(), response.Header("content-length"));
        Assert.Equal(KestrelServer.Big, response.Body);
    }

    [Fact]
    public async Task A_request_the_server_refuses_comes_back_reset()
    {
        // HTTP/2 forbids uppercase header names; HttpClient would lowercase this one, the raw client does not.
        var response = await RawHttp2Client.SendAsync(server.Port, Sni, Request("GET", "/echo", ("X-Upper", "1")));

        Assert.Null(response.Status);
        Assert.Equal(1, response.ResetErrorCode ?? response.GoAwayErrorCode); // PROTOCOL_ERROR
    }

    [Fact]
    public void Hpack_decodes_the_rfc_7541_request_examples_with_huffman_coding()
    {
        // RFC 7541 C.4: three requests on one connection, the dynamic table carried over.
        var decoder = new HpackDecoder();
        Assert.Equal(
            [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
            decoder.Decode(Convert.FromHexString("828684418cf1e3c2e5f23a6ba0ab90f4ff")));
        Assert.Equal(
            [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")],
            decoder.Decode(Convert.FromHexString("828684be5886a8eb10649cbf")));
        Assert.Equal(
            [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")],
            decoder.Decode(Convert.FromHexString("828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf")));
        Assert.Equal(164, decoder.TableSize);
        Assert.Equal([("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")], decoder.DynamicTable);
    }

    [Fact]
    public void Hpack_decodes_the_rfc_7541_response_examples_evicting_from_a_256_byte_table()
    {
        // RFC 7541 C.6: Huffman-coded responses; SETTINGS_HEADER_TABLE_SIZE 256 makes entries get evicted.
        var decoder = new HpackDecoder(256);
        Assert.Equal(
            [(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")],
            decoder.Decode(Convert.FromHexString(
                "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3")));
        Assert.Equal(222, decoder.TableSize);

        Assert.Equal(
            [(":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")],
            decoder.Decode(Convert.FromHexString("4883640effc1c0bf")));
        Assert.Equal(222, decoder.TableSize);

        Assert.Equal(
            [(":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"),
                ("content-encoding", "gzip"), ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")],
            decoder.Decode(Convert.FromHexString(
                "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007")));
        Assert.Equal(215, decoder.TableSize);
        Assert.Equal(
            [("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"), ("content-encoding", "gzip"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT")],
            decoder.DynamicTable);
    }

    [Fact]
    public void Hpack_size_updates_evict_and_long_strings_round_trip()
    {
        var decoder = new HpackDecoder();
        decoder.Decode([0x40, 0x01, (byte)'a', 0x01, (byte)'b']); // literal with indexing, new name: a: b (size 34)
        Assert.Equal(34, decoder.TableSize);
        Assert.Equal([("a", "b")], decoder.Decode([0xbe])); // index 62: the newest dynamic entry
        decoder.Decode([0x3f, 0x02]); // size update to 33 (5-bit prefix 31, then 2): the entry no longer fits
        Assert.Empty(decoder.DynamicTable);
        Assert.Equal(0, decoder.TableSize);

        // The encoder's prefixed integers at and across their boundaries (126, 127, 128 and multi-byte lengths).
        List<(string Name, string Value)> fields =
            [("x-126", new string('a', 126)), ("x-127", new string('b', 127)), ("x-128", new string('c', 128)), ("x-20000", new string('d', 20_000)), ("", "")];
        Assert.Equal(fields, new HpackDecoder().Decode(RawHttp2Client.EncodeHeaderBlock(fields)));
    }

    /// <summary>Kestrel on a loopback port, HTTPS with a self-signed certificate, HTTP/2 only.</summary>
    public sealed class KestrelServer : IAsyncLifetime
    {
        public static readonly byte[] Big = Enumerable.Range(0, 100 * 1024).Select(i => (byte)(i * 31 % 251)).ToArray();

        private WebApplication? _app;

        public int Port { get; } = Ports.Free();

        public async Task InitializeAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                var certificate = CreateCertificate();
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    // Notes the SNI the client sent on the connection, for the echo.
                    ServerCertificateSelector = (connection, name) =>
                    {
                        connection!.Items["sni"] = name;
                        return certificate;
                    },
                });
            }));
            _app = builder.Build();
            _app.Run(async context =>
            {
                context.Response.Headers["x-raw-test"] = "ok";
                if (context.Request.Path == "/big")
                {
                    context.Response.ContentType = "application/octet-stream";
                    context.Response.ContentLength = Big.Length;
                    await context.Response.Body.WriteAsync(Big);
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                await context.Response.WriteAsJsonAsync(new Dictionary<string, object?>
                {
                    ["method"] = context.Request.Method,
                    ["pathAndQuery"] = context.Request.Path + context.Request.QueryString,
                    ["host"] = context.Request.Host.Value,
                    ["sni"] = context.Features.Get<IConnectionItemsFeature>()?.Items["sni"],
                    ["headers"] = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()),
                    ["bodyLength"] = body.Length,
                    ["bodySha256"] = Convert.ToHexString(SHA256.HashData(body.ToArray())),
                });
            });
            await _app.StartAsync();
        }

        public async Task DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }

        private static X509Certificate2 CreateCertificate()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={Sni}", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(Sni);
            request.CertificateExtensions.Add(san.Build());
            using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            // Through PKCS#12 so the private key is usable by the TLS stack on every platform.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
        }
    }
}
