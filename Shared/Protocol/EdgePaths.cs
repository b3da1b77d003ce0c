namespace Tunnel.Shared.Protocol;

/// <summary>Paths under this prefix belong to the edge on every public hostname (login callback, logout, troubleshooting guide).</summary>
public static class EdgePaths
{
    public const string Prefix = "/.tunnel";
}
