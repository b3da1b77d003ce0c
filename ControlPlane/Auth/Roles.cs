namespace Tunnel.ControlPlane.Auth;

/// <summary>The two roles and the authorization policies over them.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Viewer = "viewer";
    /// <summary>May open quick tunnels (`tunnel quick`) and nothing else.</summary>
    public const string Quick = "quick";

    /// <summary>Read anything: viewers and admins.</summary>
    public const string CanRead = "read";
    /// <summary>Change anything: admins only.</summary>
    public const string CanWrite = "write";
    /// <summary>Open a quick tunnel: admins and quick tokens.</summary>
    public const string CanOpenQuick = "quick";

    /// <summary>Roles of people (dashboard users).</summary>
    public static bool IsValid(string? role) => role is Admin or Viewer;

    /// <summary>Roles of API tokens: a person's, or quick (opening quick tunnels only).</summary>
    public static bool IsValidForToken(string? role) => IsValid(role) || role is Quick;
}
