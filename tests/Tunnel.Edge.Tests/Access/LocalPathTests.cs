using CsCheck;
using Tunnel.Edge.Access;

namespace Tunnel.Edge.Tests.Access;

/// <summary>The return path after a login never leaves the application's origin, however a browser reads it.</summary>
public sealed class LocalPathTests
{
    private static readonly Gen<string> Piece = Gen.OneOfConst("/", "//", "\\", "/\\", "\t", "\n", "\r", " ", "\u0000", "evil.example", "x", "?a=1", "#f",
        "%2F", "https:", "@", "é", "\u2028", ".", "..");

    /// <summary>What a browser does to a Location value before resolving it: drops tabs and newlines, reads '\' as '/'.</summary>
    private static string AsBrowserReadsIt(string value) =>
        value.Replace("\t", "").Replace("\n", "").Replace("\r", "").Replace('\\', '/').Trim();

    [Fact]
    public void A_return_path_is_this_host_or_the_root()
    {
        Piece.Array[0, 6].Select(string.Concat).Sample(value =>
        {
            var path = AccessGate.LocalPath(value);
            var read = AsBrowserReadsIt(path);
            Assert.StartsWith("/", read);
            Assert.False(read.StartsWith("//", StringComparison.Ordinal), $"{value} → {path}");
            Assert.True(Uri.TryCreate(new Uri("https://app.example.com/"), read, out var resolved) && resolved.Host == "app.example.com", $"{value} → {path}");
            Assert.All(path, c => Assert.InRange(c, '!', '~'));
        }, iter: 5_000);
    }
}
