namespace Tunnel.Connector.Ingress;

public enum OriginKind
{
    Http,
    Https,
    Unix,
    HttpStatus,
}

/// <summary>Where a rule sends traffic: http(s)://host:port, unix:/path.sock, or http_status:CODE.</summary>
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

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https") || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{text}' is not a supported service: use http://host:port, https://host:port, unix:/path or http_status:CODE";
            return false;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            error = $"'{text}' has a path: a service is scheme://host:port only (match paths with the rule's path)";
            return false;
        }

        var kind = uri.Scheme == "https" ? OriginKind.Https : OriginKind.Http;
        var canonical = $"{uri.Scheme}://{uri.Authority}";
        service = new OriginService(canonical, kind, uri.IdnHost, uri.Port, "", 0);
        return true;
    }

    public override string ToString() => Text;
}
