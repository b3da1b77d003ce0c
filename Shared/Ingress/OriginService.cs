namespace Tunnel.Shared.Ingress;

public enum OriginKind
{
    Http,
    Https,
    Unix,
    HttpStatus,
    /// <summary>Raw TCP (tcp://, ssh://, rdp://): reached through `tunnel access`, not HTTP.</summary>
    Tcp,
}

/// <summary>Where a rule sends traffic: http(s)://host:port, unix:/path.sock, tcp|ssh|rdp://host:port, or http_status:CODE.</summary>
public sealed record OriginService(string Text, OriginKind Kind, string Host, int Port, string SocketPath, int Status)
{
    public static bool TryParse(string? text, out OriginService? service, out string error)
    {
        service = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the service is missing (e.g. http://localhost:3000, unix:/run/app.sock or http_status:404)";
            return false;
        }

        text = text.Trim();
        if (text.StartsWith("http_status:", StringComparison.Ordinal))
        {
            if (!int.TryParse(text["http_status:".Length..], out var code) || code is < 100 or > 599)
            {
                error = $"'{text}' is not a valid http_status service: use a status code from 100 to 599, e.g. http_status:404";
                return false;
            }

            service = new OriginService(text, OriginKind.HttpStatus, "", 0, "", code);
            return true;
        }

        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text["unix:".Length..];
            if (!path.StartsWith('/'))
            {
                error = $"'{text}' needs an absolute socket path, e.g. unix:/run/app.sock";
                return false;
            }

            service = new OriginService(text, OriginKind.Unix, "", 0, path, 0);
            return true;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !KnownSchemes.Contains(uri.Scheme) || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{text}' is not a supported service: use http://host:port, https://host:port, h2c://host:port, unix:/path, tcp://host:port, ssh://host:port, rdp://host:port or http_status:CODE";
            return false;
        }

        if (uri.Scheme is "tcp" or "ssh" or "rdp")
        {
            var port = uri.IsDefaultPort || uri.Port < 0 ? DefaultTcpPort(uri.Scheme) : uri.Port;
            if (port <= 0)
            {
                error = $"'{text}' needs a port, e.g. tcp://localhost:5432";
                return false;
            }

            service = new OriginService($"{uri.Scheme}://{uri.Host}:{port}", OriginKind.Tcp, uri.IdnHost, port, "", 0);
            return true;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            error = $"'{text}' has a path: a service is scheme://host:port only (match paths with the rule's path)";
            return false;
        }

        if (uri.Scheme == "h2c" && uri.Port <= 0)
        {
            error = $"'{text}' needs a port, e.g. h2c://localhost:50051";
            return false;
        }

        // h2c:// is plain TCP to the connector; the edge speaks HTTP/2 (prior knowledge) over it, for gRPC origins.
        var kind = uri.Scheme == "https" ? OriginKind.Https : OriginKind.Http;
        var canonical = $"{uri.Scheme}://{uri.Authority}";
        service = new OriginService(canonical, kind, uri.IdnHost, uri.Port, "", 0);
        return true;
    }

    private static readonly HashSet<string> KnownSchemes = ["http", "https", "h2c", "tcp", "ssh", "rdp"];

    private static int DefaultTcpPort(string scheme) => scheme switch { "ssh" => 22, "rdp" => 3389, _ => -1 };

    public override string ToString() => Text;
}
