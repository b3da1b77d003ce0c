using System.Net;
using System.Text.RegularExpressions;

namespace Tunnel.ControlPlane.QuickTunnels;

/// <summary>
/// Whom the caps count: a token holder by token, anyone else by address, an IPv6 client by its /64 (one host holds a
/// whole /64 and could otherwise rotate through it) and an IPv4 client by its address however it arrives (::ffff:…).
/// At most <see cref="MaxLength"/> characters, as the tunnel's row keeps it, so counting compares like with like.
/// </summary>
public static partial class QuickTunnelOwner
{
    public const int MaxLength = 64;

    public static string Of(IPAddress? address, string? tokenActor)
    {
        if (tokenActor is not null)
        {
            return Infrastructure.Columns.Cut($"token:{tokenActor}", MaxLength);
        }

        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return $"{new IPAddress(bytes)}/64";
        }

        return address.ToString();
    }

    public static bool IsEmail(string value) => value.Length <= 254 && Email().IsMatch(value);

    public static bool IsDomain(string value) => value.Length <= 253 && Domain().IsMatch(value);

    [GeneratedRegex(@"^[^@\s,;<>""]{1,64}@[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$", RegexOptions.IgnoreCase)]
    private static partial Regex Email();

    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$", RegexOptions.IgnoreCase)]
    private static partial Regex Domain();
}
