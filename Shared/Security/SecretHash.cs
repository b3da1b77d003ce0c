using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Tunnel.Shared.Security;

/// <summary>
/// Tunnel secrets are 256 random bits, so one SHA-256 is enough at rest (no password stretching needed);
/// comparisons are constant-time.
/// </summary>
public static class SecretHash
{
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool Matches(string presentedSecret, ReadOnlySpan<byte> storedHash)
    {
        Span<byte> presented = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedSecret), presented);
        return CryptographicOperations.FixedTimeEquals(presented, storedHash);
    }

    public static bool KeysEqual(string? presented, string expected)
    {
        if (presented is null)
        {
            return false;
        }

        // Hash both sides first so the comparison time does not depend on the lengths either.
        return CryptographicOperations.FixedTimeEquals(Hash(presented), Hash(expected));
    }

    /// <summary>The credential of an `Authorization: Bearer X` header value, or null.</summary>
    public static string? BearerValue(string? header) =>
        header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;

    public static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
