namespace Tunnel.ControlPlane.Tunnels;

public enum FailureKind
{
    Invalid,
    NotFound,
    Conflict,
}

/// <summary>The result of an operation the API and the dashboard both run: a value, or why not in words for a person.</summary>
public readonly record struct Outcome<T>(T? Value, FailureKind Kind, string? Error)
{
    public bool Succeeded => Error is null;

    public static implicit operator Outcome<T>(T value) => new(value, default, null);

    public static Outcome<T> Fail(FailureKind kind, string error) => new(default, kind, error);
}
