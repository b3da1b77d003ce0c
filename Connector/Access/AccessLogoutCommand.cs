using System.CommandLine;

namespace Tunnel.Connector.Access;

/// <summary>
/// `tunnel access logout`: deletes cached Access logins, so the next `tunnel access tcp|ssh` logs in again (a login
/// the policy refused, or made as the wrong person, would otherwise be presented until it expires).
/// </summary>
public static class AccessLogoutCommand
{
    public static Command Create()
    {
        var hostname = new Option<string?>("--hostname") { Description = "Only the login for this hostname (default: every cached login)" };
        var logout = new Command("logout", "Forget cached Access logins of `tunnel access tcp|ssh` (the next connection logs in again)") { hostname };
        logout.SetAction(parse =>
        {
            if (parse.GetValue(hostname) is { } text)
            {
                var host = EdgeWebSocketClient.Create(text, null, null).Url.Host;
                Console.WriteLine(AccessLogin.Forget(host) ? $"Logged out of {host}" : $"No cached login for {host}");
                return 0;
            }

            var forgotten = AccessLogin.ForgetAll();
            Console.WriteLine(forgotten.Count == 0 ? "No cached logins" : $"Logged out of {string.Join(", ", forgotten)}");
            return 0;
        });
        return logout;
    }
}
