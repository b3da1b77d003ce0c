using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Tunnel.Edge.Inspection;
using Tunnel.Shared.Inspection;
using Tunnel.Shared.Protocol;

namespace Tunnel.Edge.Tests.Inspection;

/// <summary>
/// What leaves the edge for the inspector: no credential in any form it was sent (any header casing, echoed back by
/// the origin, in a JSON or form field the tunnel names), bodies decoded but never past the limit.
/// </summary>
public class CaptureRedactionTests
{
    private static readonly Gen<string> Secret = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"], 8, 64];
    private static readonly Gen<string> Casing = Gen.OneOfConst("Authorization", "authorization", "AUTHORIZATION", "Proxy-Authorization", "Tunnel-Access-Token",
        "tunnel-access-client-secret", "Tunnel-Access-Jwt-Assertion");

    private static CaptureScope Scope(bool full = false, string[]? fields = null, int limit = 1024 * 1024)
    {
        var settings = new CaptureSettings { BodyLimit = limit, Full = full };
        settings.RedactFields.Add(fields ?? []);
        return new CaptureScope("t1", "app.example.com", settings, null, null);
    }

    [Fact]
    public void A_credential_never_leaves_the_edge_in_any_header_casing_nor_echoed_in_a_body()
    {
        Gen.Select(Secret, Secret, Casing).Sample((secret, cookie, header) =>
        {
            var scope = Scope();
            scope.RequestHeaders.Add(new(header, header.Contains("uthorization", StringComparison.OrdinalIgnoreCase) ? $"Bearer {secret}" : secret));
            scope.RequestHeaders.Add(new("cookie", $"sid={cookie}; theme=dark"));
            scope.ResponseHeaders.Add(new("set-cookie", $"sid={cookie}; Path=/; HttpOnly"));
            scope.ResponseHeaders.Add(new("Content-Type", "text/plain"));
            scope.ResponseBody.Append(Encoding.UTF8.GetBytes($"you sent {secret} and {cookie}"));
            var sent = CaptureReporter.ToExchange(scope, "edge-a").ToString();
            Assert.DoesNotContain(secret, sent);
            Assert.DoesNotContain(cookie, sent);
        });
    }

    [Fact]
    public void Masking_keeps_the_shape_a_reader_needs()
    {
        Assert.Equal("Bearer [redacted]", Redaction.MaskHeader("Authorization", "Bearer abc.def"));
        Assert.Equal("a=[redacted]; b=[redacted]", Redaction.MaskHeader("Cookie", "a=1; b=2"));
        Assert.Equal("sid=[redacted]; Path=/; HttpOnly", Redaction.MaskHeader("Set-Cookie", "sid=abc; Path=/; HttpOnly"));
        Assert.Equal("[redacted]", Redaction.MaskHeader("Tunnel-Access-Client-Secret", "s3cr3t"));
    }

    [Fact]
    public void Named_fields_are_masked_at_any_depth_in_json_and_forms_and_full_capture_masks_nothing()
    {
        var value = Gen.String[Gen.Char.AlphaNumeric, 1, 20];
        Gen.Select(value, value, Gen.Int[0, 4]).Sample((secret, other, depth) =>
        {
            JsonNode node = new JsonObject { ["password"] = secret, ["name"] = other };
            for (var i = 0; i < depth; i++)
            {
                node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["inner"] = node };
            }

            var scope = Scope(fields: ["PASSWORD"]);
            scope.RequestHeaders.Add(new("Content-Type", "application/json; charset=utf-8"));
            scope.RequestBody.Append(Encoding.UTF8.GetBytes(node.ToJsonString()));
            var body = CaptureReporter.ToExchange(scope, "edge-a").RequestBody.ToStringUtf8();
            Assert.Contains("\"password\":\"[redacted]\"", body);
            Assert.Contains(other, body);
            Assert.Equal(1, body.Split("[redacted]").Length - 1);
        });

        var form = Scope(fields: ["token"]);
        form.RequestHeaders.Add(new("Content-Type", "application/x-www-form-urlencoded"));
        form.RequestBody.Append("user=ann&token=s3cret-value&x=1"u8);
        Assert.Equal("user=ann&token=%5Bredacted%5D&x=1", CaptureReporter.ToExchange(form, "edge-a").RequestBody.ToStringUtf8());

        var cut = Scope(fields: ["password"]); // JSON cut at the limit does not parse: masked by name in the text all the same
        cut.RequestHeaders.Add(new("Content-Type", "application/json"));
        cut.RequestBody.Append("{\"a\":1,\"password\":\"hunter22\",\"b\":[1,2"u8);
        Assert.DoesNotContain("hunter22", CaptureReporter.ToExchange(cut, "edge-a").RequestBody.ToStringUtf8());

        var full = Scope(full: true, fields: ["password"]);
        full.RequestHeaders.Add(new("Authorization", "Bearer kept-as-sent"));
        var exchange = CaptureReporter.ToExchange(full, "edge-a");
        Assert.False(exchange.Redacted);
        Assert.Equal("Bearer kept-as-sent", exchange.RequestHeaders.Single().Value);
    }

    [Fact]
    public void Full_capture_keeps_what_was_sent_but_never_the_assertion_the_gate_added_wherever_an_origin_echoes_it()
    {
        Gen.Select(Secret, Secret).Sample((assertion, sent) =>
        {
            var full = Scope(full: true);
            full.RequestHeaders.Add(new("Tunnel-Access-Client-Secret", sent));
            full.InjectedHeaders.Add(new("Tunnel-Access-Jwt-Assertion", assertion)); // minted for a service token: nobody reading captures holds it
            full.ResponseHeaders.Add(new("Content-Type", "application/json"));
            full.ResponseHeaders.Add(new("Location", $"/next?assertion={assertion}"));
            full.ResponseBody.Append(Encoding.UTF8.GetBytes($"{{\"Tunnel-Access-Jwt-Assertion\":\"{assertion}\"}}"));
            var exchange = CaptureReporter.ToExchange(full, "edge-a");
            Assert.False(exchange.Redacted);
            Assert.DoesNotContain(assertion, exchange.ToString());
            Assert.Equal(sent, exchange.RequestHeaders.Single().Value); // the client's own, as sent
        });
    }

    [Fact]
    public void A_body_with_two_content_encoding_lines_is_judged_by_both_and_not_kept_when_masking()
    {
        var packed = new MemoryStream();
        using (var z = new GZipStream(packed, CompressionLevel.Fastest, true))
        {
            z.Write("{\"password\":\"hunter22\"}"u8);
        }

        var scope = Scope(fields: ["password"]);
        scope.ResponseHeaders.Add(new("Content-Encoding", "identity"));
        scope.ResponseHeaders.Add(new("Content-Encoding", "gzip"));
        scope.ResponseHeaders.Add(new("Content-Type", "application/json"));
        scope.ResponseBody.Append(packed.ToArray());
        var exchange = CaptureReporter.ToExchange(scope, "edge-a");
        Assert.True(exchange.ResponseBody.IsEmpty); // unreadable here, so unmaskable: only its size
        Assert.Equal(packed.Length, exchange.ResponseBodySize);
    }

    [Fact]
    public void Bodies_decode_from_gzip_br_and_deflate_and_a_bomb_stops_at_the_limit()
    {
        Gen.Byte.Array[0, 5000].Sample(original =>
        {
            foreach (var (encoding, compress) in new (string, Func<Stream, Stream>)[]
            {
                ("gzip", s => new GZipStream(s, CompressionLevel.Fastest, true)),
                ("br", s => new BrotliStream(s, CompressionLevel.Fastest, true)),
                ("deflate", s => new ZLibStream(s, CompressionLevel.Fastest, true)),
                ("deflate", s => new DeflateStream(s, CompressionLevel.Fastest, true)), // the raw stream some servers send
            })
            {
                var packed = new MemoryStream();
                using (var z = compress(packed))
                {
                    z.Write(original);
                }

                var (decoded, from) = BodyDecoder.Decode(packed.ToArray(), encoding, 1024 * 1024);
                Assert.Equal(original.Length == 0 ? "" : encoding, from);
                Assert.Equal(original, decoded);
            }
        }, iter: 50);

        var bomb = new MemoryStream();
        using (var z = new GZipStream(bomb, CompressionLevel.SmallestSize, true))
        {
            z.Write(new byte[64 * 1024 * 1024]);
        }

        var (body, _) = BodyDecoder.Decode(bomb.ToArray(), "gzip", 1024 * 1024);
        Assert.Equal(1024 * 1024, body.Length);
        var scope = Scope(limit: 1024 * 1024);
        scope.ResponseHeaders.Add(new("Content-Encoding", "gzip"));
        scope.ResponseBody.Append(bomb.ToArray());
        var exchange = CaptureReporter.ToExchange(scope, "edge-a");
        Assert.True(exchange.ResponseBodyTruncated);
        Assert.Equal(("gzip", bomb.Length), (exchange.ResponseBodyDecoded, exchange.ResponseBodySize));

        var (kept, decodedFrom) = BodyDecoder.Decode("not gzip"u8.ToArray(), "gzip", 100);
        Assert.Equal(("not gzip", ""), (Encoding.UTF8.GetString(kept), decodedFrom)); // kept as sent
    }

    [Fact]
    public void The_capture_buffer_keeps_the_start_and_counts_everything()
    {
        Gen.Int[1, 300].Array[0, 40].Select(Gen.Int[0, 2000]).Sample((chunks, limit) =>
        {
            var buffer = new CaptureBuffer(limit);
            var all = new List<byte>();
            foreach (var n in chunks)
            {
                var chunk = Enumerable.Range(all.Count, n).Select(i => (byte)i).ToArray();
                buffer.Append(chunk);
                all.AddRange(chunk);
            }

            Assert.Equal(all.Count, buffer.Size);
            Assert.Equal(all.Take(limit).ToArray(), buffer.ToArray());
        });
    }
}

/// <summary>What the attacker's review found, kept as tests: hostile bodies, echoed assertions, secrets in URLs.</summary>
public class CaptureAttackTests
{
    private static CaptureScope Scope(string[]? fields = null)
    {
        var settings = new CaptureSettings { BodyLimit = 1024 * 1024 };
        settings.RedactFields.Add(fields ?? []);
        return new CaptureScope("t1", "app.example.com", settings, null, null);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("zstd")]
    [InlineData("gzip, br")]
    public void A_body_that_claims_an_encoding_it_does_not_have_is_not_kept_and_breaks_nothing(string encoding)
    {
        var scope = Scope();
        scope.RequestHeaders.Add(new("Content-Encoding", encoding));
        scope.RequestBody.Append("garbage that is not compressed at all, with a s3cret-in-it"u8);
        var exchange = CaptureReporter.ToExchange(scope, "edge-a");
        Assert.True(exchange.RequestBody.IsEmpty);
        Assert.True(exchange.RequestBodyTruncated);
        Assert.Equal(58, exchange.RequestBodySize); // the true size stays
    }

    [Fact]
    public void A_json_body_with_a_duplicate_key_is_masked_by_name_in_its_text()
    {
        var scope = Scope(["password"]);
        scope.RequestHeaders.Add(new("Content-Type", "application/json"));
        scope.RequestBody.Append("{\"password\":\"first-secret\",\"password\":\"second-secret\"}"u8);
        var body = CaptureReporter.ToExchange(scope, "edge-a").RequestBody.ToStringUtf8();
        Assert.DoesNotContain("secret", body);
    }

    [Fact]
    public void The_assertion_the_gate_added_and_credentials_in_urls_and_redirects_are_masked()
    {
        var scope = Scope();
        scope.Url = "https://app.example.com/hook?user=ann&access_token=tok-abcdefgh&sig=zz";
        scope.InjectedHeaders.Add(new("Tunnel-Access-Jwt-Assertion", "eyJhbGciOi.payload-part.signature-part"));
        scope.RequestHeaders.Add(new("Authorization", "Bearer bearer-value-123"));
        scope.ResponseHeaders.Add(new("Location", "https://elsewhere.example.com/?t=bearer-value-123"));
        scope.ResponseHeaders.Add(new("Content-Type", "text/plain"));
        scope.ResponseBody.Append("your assertion: eyJhbGciOi.payload-part.signature-part"u8);
        var exchange = CaptureReporter.ToExchange(scope, "edge-a");
        Assert.Equal("https://app.example.com/hook?user=ann&access_token=%5Bredacted%5D&sig=%5Bredacted%5D", exchange.Url);
        Assert.Equal("https://elsewhere.example.com/?t=[redacted]", exchange.ResponseHeaders.Single(h => h.Name == "Location").Value);
        Assert.DoesNotContain("payload-part", exchange.ResponseBody.ToStringUtf8());
    }

    [Fact]
    public void Captures_in_flight_keep_no_more_than_the_edge_budget()
    {
        var memory = new CaptureMemory();
        var settings = new CaptureSettings { BodyLimit = 4 * 1024 * 1024 };
        var chunk = new byte[1024 * 1024];
        var scopes = Enumerable.Range(0, 40).Select(_ => new CaptureScope("t1", "h", settings, null, null, memory)).ToList();
        foreach (var scope in scopes)
        {
            for (var i = 0; i < 4; i++)
            {
                scope.RequestBody.Append(chunk);
            }
        }

        Assert.Equal(CaptureMemory.MaxBytes, scopes.Sum(s => (long)s.RequestBody.Kept));
        Assert.All(scopes, s => Assert.Equal(4 * 1024 * 1024, s.RequestBody.Size)); // sizes stay true
        scopes[0].RequestBody.Release();
        var late = new CaptureScope("t1", "h", settings, null, null, memory);
        late.RequestBody.Append(chunk);
        Assert.Equal(chunk.Length, late.RequestBody.Kept);
    }
}
