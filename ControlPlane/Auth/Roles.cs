namespace Tunnel.ControlPlane.Auth;

/// <summary>The two roles and the authorization policies over them.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Viewer = "viewer";

    /// <summary>Read anything: viewers and admins.</summary>
    public const string CanRead = "read";
    /// <summary>Change anything: admins only.</summary>
    public const string CanWrite = "write";

    public static bool IsValid(string? role) => role is Admin or Viewer;
}
