using CsCheck;
using Tunnel.Edge.Access;
using Tunnel.Shared.Access;
using Tunnel.Shared.Ingress;

namespace Tunnel.Edge.Tests.RequestTarget;

/// <summary>
/// The canonical path and the application matcher against generated path variants (case, ';' parameters, trailing
/// dots and spaces, fullwidth letters, repeated slashes, backslashes, escapes, dot segments). One invariant: a
/// request is opened (a bypass application, or no application) only if every way an origin may read its path lies
/// inside what was opened; otherwise the protecting application is chosen, or the path is refused.
/// </summary>
public sealed class PathFormTests
{
    private static readonly AccessApplication Admin = App("admin", "app.example.com/admin", AccessActions.Allow);
    private static readonly AccessApplication Public = App("public", "app.example.com/public", AccessActions.Bypass);
    private static readonly AccessApplication AdminDocs = App("docs", "app.example.com/admin/docs", AccessActions.Bypass);
    private static readonly AccessApplicationMatcher Matcher = AccessApplicationMatcher.Build([Admin, Public, AdminDocs]);

    private static AccessApplication App(string name, string domain, string action) =>
        new(Guid.NewGuid(), name, [domain], 60, [new AccessPolicy(name, action, [new AccessSelector(Everyone: true)])]);

    /// <summary>Path segments as a client might write them (after the server decoded the escapes once).</summary>
    private static readonly Gen<string> Segment = Gen.OneOfConst(
        "admin", "ADMIN", "Admin", "aDmIn", "admin.", "admin..", "admin ", "admin. ", "admin;x=1", "admin;", "ａｄｍｉｎ", "admın",
        "public", "PUBLIC", "public.", "public;a", "ｐｕｂｌｉｃ", "docs", "DOCS", "docs.", "docs;v=2",
        "x", "index.html", "..;", ".. ", "...", ". ", ".;x", "..", ".", "", "a\\b", "%2F", "%2e%2e", "a\tb", "／", "．．", "％2f", "café", "admin?x", "admin#x",
        "admin\u00A0", "admin\u3000", "\U0001D41Admin", "\u1D43dmin", "adm\u2170n", "\u2025", "\uFE30", "..\u3000", "ﬁle", "ª", "\u0130dmin");

    private static readonly Gen<string> Separator = Gen.OneOfConst("/", "/", "/", "//", "\\");

    private static readonly Gen<string> DecodedPath =
        Gen.Select(Segment, Separator).Array[1, 5].Select(parts => string.Concat(parts.Select(p => p.Item2 + p.Item1)));

    /// <summary>How origins read a path: as is, Tomcat/Spring (';' parameters dropped), IIS (case, trailing dots and spaces, compatibility forms).</summary>
    private static readonly Func<string, string>[] OriginReadings =
    [
        p => Resolve(p.Split('/')),
        p => Resolve(p.Split('/').Select(s => s.Split(';')[0])),
        p => Resolve(p.Split('/').Select(s => Fullwidth(s).TrimEnd('.', ' ').ToLowerInvariant())),
        p => Resolve(p.Normalize(System.Text.NormalizationForm.FormKC).Split('/').Select(s => s.Split(';')[0].TrimEnd('.', ' ').ToLowerInvariant())),
    ];

    /// <summary>IIS's best fit: fullwidth forms read as ASCII.</summary>
    private static string Fullwidth(string text) => new(text.Select(c => c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c).ToArray());

    private static string Resolve(IEnumerable<string> segments)
    {
        var stack = new List<string>();
        foreach (var s in segments)
        {
            if (s is "" or ".")
            {
                continue;
            }

            if (s == "..")
            {
                if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }

                continue;
            }

            stack.Add(s);
        }

        return "/" + string.Join('/', stack);
    }

    /// <summary>Case-insensitive as .NET and Java compare (Java's equalsIgnoreCase also equates ı and İ with i).</summary>
    private static bool Under(string prefix, string path) =>
        PathForm.Covers(prefix, path, StringComparison.OrdinalIgnoreCase) || PathForm.Covers(prefix, path.Replace('\u0131', 'i').Replace('\u0130', 'i'), StringComparison.OrdinalIgnoreCase);

    [Fact]
    public void Nothing_is_opened_that_an_origin_reads_as_protected()
    {
        DecodedPath.Sample(decoded =>
        {
            if (!PathForm.TryCanonicalize(decoded, out var canonical, out var key, out _))
            {
                return; // refused with a 400: never forwarded
            }

            var chosen = Matcher.Find("app.example.com", canonical, key);
            var readings = OriginReadings.Select(read => read(canonical)).ToList();
            if (chosen == Public)
            {
                Assert.All(readings, r => Assert.True(Under("/public", r), $"{decoded} → {canonical} opened by /public, read as {r}"));
            }
            else if (chosen == AdminDocs)
            {
                Assert.All(readings, r => Assert.True(Under("/admin/docs", r), $"{decoded} → {canonical} opened by /admin/docs, read as {r}"));
            }
            else if (chosen is null)
            {
                Assert.All(readings, r => Assert.False(Under("/admin", r), $"{decoded} → {canonical} forwarded ungated, read as {r}"));
            }
        }, iter: 20_000);
    }

    [Fact]
    public void The_edge_compares_with_unicode_tables() => Assert.True(PathForm.HasUnicodeTables);

    [Fact]
    public void The_canonical_form_is_stable_and_has_no_ambiguous_characters()
    {
        DecodedPath.Sample(decoded =>
        {
            if (!PathForm.TryCanonicalize(decoded, out var canonical, out var key, out var error))
            {
                Assert.False(string.IsNullOrEmpty(error));
                return;
            }

            Assert.Equal(PathForm.Key(canonical), key); // one pass, same key as a prefix of that spelling gets

            Assert.StartsWith("/", canonical);
            Assert.DoesNotContain("//", canonical);
            Assert.DoesNotContain('%', canonical);
            Assert.DoesNotContain('\\', canonical);
            Assert.True(PathForm.TryCanonicalize(canonical, out var again, out _, out _));
            Assert.Equal(canonical, again);
        }, iter: 5_000);
    }

    [Theory]
    [InlineData("//admin", "/admin")]
    [InlineData("/a//b///c", "/a/b/c")]
    [InlineData("/café/x", "/café/x")]
    [InlineData("/", "/")]
    public void Repeated_slashes_merge(string decoded, string expected)
    {
        Assert.True(PathForm.TryCanonicalize(decoded, out var canonical, out _, out var error), error);
        Assert.Equal(expected, canonical);
    }

    [Theory]
    [InlineData("/admin%2Fx")]
    [InlineData("/a\\admin")]
    [InlineData("/public/..;/admin")]
    [InlineData("/public/.. /admin")]
    [InlineData("/public/.../admin")]
    [InlineData("/a\u0000b")]
    [InlineData("/a\tb")]
    [InlineData("/public/．．/admin")]
    [InlineData("/public／..／admin")]
    [InlineData("/public/\u2025/admin")]
    [InlineData("/public/\uFE30/admin")]
    [InlineData("/public/..\u3000/admin")]
    [InlineData("/admin?x")]
    [InlineData("/admin#x")]
    [InlineData("*")]
    [InlineData("")]
    public void Ambiguous_paths_are_refused(string decoded) =>
        Assert.False(PathForm.TryCanonicalize(decoded, out _, out _, out _));

    [Theory]
    [InlineData("/ADMIN")]
    [InlineData("/admin;jsessionid=1")]
    [InlineData("/admin./users")]
    [InlineData("/admin ")]
    [InlineData("/ａｄｍｉｎ/x")]
    [InlineData("/admin\u00A0/x")]
    [InlineData("/\U0001D41Admin/x")]
    [InlineData("/adm\u2170n/x")]
    public void Every_spelling_of_a_protected_path_is_protected(string decoded)
    {
        Assert.True(PathForm.TryCanonicalize(decoded, out var canonical, out _, out var error), error);
        Assert.Same(Admin, Matcher.Find("app.example.com", canonical, PathForm.Key(canonical)));
    }

    [Theory]
    [InlineData("/PUBLIC")]
    [InlineData("/public;x")]
    [InlineData("/public.")]
    [InlineData("/publicity")]
    public void A_bypass_opens_only_its_exact_spelling(string decoded)
    {
        Assert.True(PathForm.TryCanonicalize(decoded, out var canonical, out _, out _));
        Assert.NotSame(Public, Matcher.Find("app.example.com", canonical, PathForm.Key(canonical)));
        Assert.True(PathForm.TryCanonicalize("/public/page", out var open, out _, out _));
        Assert.Same(Public, Matcher.Find("app.example.com", open, PathForm.Key(open)));
    }
}
