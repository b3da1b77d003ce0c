using System.Net;

namespace Tunnel.Shared.Access;

/// <summary>An address ("10.1.2.3") or CIDR range ("10.0.0.0/8", "2001:db8::/32") as policies write them.</summary>
public static class IpRange
{
    public static bool TryParse(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    public static bool Contains(string range, IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        return TryParse(range, out var network) && network.Contains(ip);
    }
}
