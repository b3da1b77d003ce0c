using Microsoft.Extensions.Options;
using Tunnel.Shared.Security;

namespace Tunnel.ControlPlane.Tunnels;

/// <summary>
/// The control plane's keys: from configuration, or generated once into the data directory (mode 0600)
/// so a first start needs no setup. Their values are never logged.
/// </summary>
public sealed class ControlPlaneKeys
{
    public ControlPlaneKeys(IOptions<ControlPlaneOptions> options, ILogger<ControlPlaneKeys> logger)
    {
        var o = options.Value;
        AdminApiKey = o.AdminApiKey ?? LoadOrCreate(o.DataDirectory, "admin-api-key", logger);
        EdgeKey = o.EdgeKey ?? LoadOrCreate(o.DataDirectory, "edge-key", logger);
        TokenSigningKey = o.TokenSigningKey ?? LoadOrCreate(o.DataDirectory, "token-signing-key", logger);
    }

    public string AdminApiKey { get; }
    public string EdgeKey { get; }
    public string TokenSigningKey { get; }

    private static string LoadOrCreate(string directory, string name, ILogger logger)
    {
        var path = Path.Combine(directory, name);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        Directory.CreateDirectory(directory);
        var key = SecretHash.NewSecret();
        File.WriteAllText(path, key);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        logger.LogWarning("No {Key} configured: generated one into {Path}", name, Path.GetFullPath(path));
        return key;
    }
}
