using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tunnel.EndToEnd.Tests.Infrastructure.Compose;

/// <summary>
/// What a Dockerfile of deploy/docker says its image runs, read for running it as a process: where /app comes from
/// (the published project, or the directory files are copied from), ENV, WORKDIR, ENTRYPOINT + CMD, HEALTHCHECK.
/// </summary>
public sealed partial record DockerImage(
    string Path,
    string AppDirectory,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Command,
    IReadOnlyList<string>? HealthCheck,
    bool RunsNpmCi)
{
    public static DockerImage Read(string dockerfile)
    {
        var path = System.IO.Path.Combine(Binaries.RepoRoot, dockerfile);
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        string? app = null;
        var env = new Dictionary<string, string>();
        IReadOnlyList<string> entrypoint = [], command = [];
        IReadOnlyList<string>? health = null;
        var npm = false;
        foreach (var line in lines)
        {
            var (instruction, rest) = (line.Split(' ', 2)[0].ToUpperInvariant(), line.Split(' ', 2).ElementAtOrDefault(1) ?? "");
            switch (instruction)
            {
                case "RUN" when Publish().Match(rest) is { Success: true } m:
                    app = Binaries.OutputDirectory(System.IO.Path.GetDirectoryName(m.Groups["project"].Value)!);
                    break;
                case "RUN" when rest.Contains("npm ci", StringComparison.Ordinal):
                    npm = true;
                    break;
                case "COPY" when !rest.StartsWith("--from", StringComparison.Ordinal) && rest.Split(' ')[0] != ".":
                    app ??= System.IO.Path.Combine(Binaries.RepoRoot, System.IO.Path.GetDirectoryName(rest.Split(' ')[0])!);
                    break;
                case "ENV":
                    var kv = rest.Split('=', 2);
                    env[kv[0]] = kv[1];
                    break;
                case "ENTRYPOINT":
                    entrypoint = Exec(rest);
                    command = [];
                    break;
                case "CMD":
                    command = Exec(rest);
                    break;
                case "HEALTHCHECK":
                    health = Exec(HealthCommand().Match(rest).Groups["cmd"].Value);
                    break;
            }
        }

        return new DockerImage(dockerfile, app ?? throw new InvalidOperationException($"{dockerfile}: cannot tell what /app holds"),
            env, entrypoint, command, health, npm);
    }

    /// <summary>Exec form (a JSON array) or shell form (run by sh -c), as Docker reads both.</summary>
    private static IReadOnlyList<string> Exec(string text) =>
        text.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(text)! : ["sh", "-c", text];

    [GeneratedRegex(@"dotnet publish (?<project>\S+\.csproj)")]
    private static partial Regex Publish();

    [GeneratedRegex(@"^(?:--\S+\s+)*CMD\s+(?<cmd>.+)$")]
    private static partial Regex HealthCommand();
}
