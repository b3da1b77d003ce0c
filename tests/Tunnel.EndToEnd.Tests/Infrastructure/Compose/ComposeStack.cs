using System.Collections.Concurrent;

namespace Tunnel.EndToEnd.Tests.Infrastructure.Compose;

/// <summary>
/// docker-compose.yml started as local processes (no Docker engine here): every service, in depends_on order and
/// waiting for each condition (started, healthy by its health check, completed), running what its Dockerfile's
/// ENTRYPOINT/CMD or its own entrypoint says, with the image's ENV and the service's environment and mounts, all
/// through <see cref="ComposeTranslation"/>. A setting the compose file passes that the code no longer reads, a wrong
/// address, a failing health check, or a service this class cannot run shows up as a stack that does not work.
/// </summary>
public sealed class ComposeStack : IAsyncDisposable
{
    private static readonly TimeSpan ConditionTimeout = TimeSpan.FromSeconds(90);
    private readonly ConcurrentDictionary<string, TestProcess> _processes = [];
    private readonly List<Task> _supervisors = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("tunnel-compose").FullName;
    private PostgresServer? _postgres;

    private ComposeStack(IReadOnlyDictionary<string, string> variables)
    {
        Services = ComposeFile.Read(variables);
        Translation = new ComposeTranslation(Services, Path.Combine(_dir, "volumes"));
    }

    public IReadOnlyList<ComposeService> Services { get; }
    public ComposeTranslation Translation { get; }

    /// <summary>Why services were restarted (their restart policy), for a failure message.</summary>
    public ConcurrentBag<string> Restarts { get; } = [];

    public ComposeService Service(string name) => Services.Single(s => s.Name == name);

    public TestProcess Process(string service) => _processes[service];

    /// <summary>The output of every process, for a failure message.</summary>
    public string Output => string.Join("\n", _processes.Select(p => $"--- {p.Key}:\n{string.Join('\n', p.Value.Output.Split('\n').TakeLast(30))}"))
        + $"\n--- restarts:\n{string.Join('\n', Restarts)}";

    public static async Task<ComposeStack> StartAsync(IReadOnlyDictionary<string, string> variables)
    {
        var stack = new ComposeStack(variables);
        try
        {
            foreach (var service in stack.InDependencyOrder())
            {
                foreach (var dependency in service.DependsOn)
                {
                    await stack.WaitForAsync(dependency);
                }

                await stack.StartAsync(service);
            }
        }
        catch (Exception ex)
        {
            var output = stack.Output;
            await stack.DisposeAsync();
            throw new InvalidOperationException($"{ex.Message}\n{output}", ex);
        }

        return stack;
    }

    /// <summary>Runs a service's health check (the compose file's, else its Dockerfile's) once: its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> CheckHealthAsync(ComposeService service)
    {
        var check = service.EffectiveHealthCheck ?? throw new InvalidOperationException($"{service.Name} has no health check");
        var command = check.Select(a => Translation.Text(service, a)).ToList();
        await using var probe = TestProcess.Start($"{service.Name}-health", command[0], command.Skip(1), Translation.Environment(service).ToDictionary());
        await probe.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (probe.ExitCode, probe.Output);
    }

    private async Task WaitForAsync(ComposeDependency dependency)
    {
        var service = Service(dependency.Service);
        switch (dependency.Condition)
        {
            case "service_started":
                return;
            case "service_completed_successfully":
                var process = Process(service.Name);
                await process.WaitForExitAsync(ConditionTimeout);
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"{service.Name} exited with {process.ExitCode}");
                }

                return;
            case "service_healthy" when service.Image?.StartsWith("postgres:", StringComparison.Ordinal) == true:
                return; // the cluster accepts connections once started
            case "service_healthy":
                var last = "";
                await Eventually.Until(async () =>
                {
                    var (exit, output) = await CheckHealthAsync(service);
                    last = output;
                    return exit;
                }, exit => exit == 0, ConditionTimeout, $"{service.Name} healthy ({string.Join(' ', service.EffectiveHealthCheck ?? [])}): {last}");
                return;
            default:
                throw new InvalidOperationException($"depends_on condition {dependency.Condition} is not known here");
        }
    }

    private async Task StartAsync(ComposeService service)
    {
        var env = Translation.Environment(service);
        if (service.Image?.StartsWith("postgres:", StringComparison.Ordinal) == true)
        {
            // What the image's entrypoint does with these variables; the cluster is the machine's PostgreSQL 15.
            _postgres = PostgresServer.StartDedicated(Translation.Port(service.Name, 5432));
            _postgres.Execute($"CREATE ROLE \"{env["POSTGRES_USER"]}\" LOGIN PASSWORD '{env["POSTGRES_PASSWORD"].Replace("'", "''", StringComparison.Ordinal)}'");
            _postgres.Execute($"CREATE DATABASE \"{env["POSTGRES_DB"]}\" OWNER \"{env["POSTGRES_USER"]}\"");
            return;
        }

        if (service.Built is null)
        {
            throw new InvalidOperationException($"compose service {service.Name} runs image {service.Image}, which {nameof(ComposeStack)} cannot run as a process");
        }

        if (service.Built.RunsNpmCi)
        {
            await DevOidcProvider.EnsureInstalledAsync(service.Built.AppDirectory);
        }

        _processes[service.Name] = Launch(service, env);
        if (service.Restart is "always" or "unless-stopped" or "on-failure")
        {
            _supervisors.Add(RestartWhenExitedAsync(service, env));
        }
    }

    /// <summary>The restart policy: a service that exits starts again a second later.</summary>
    private async Task RestartWhenExitedAsync(ComposeService service, IReadOnlyDictionary<string, string> env)
    {
        while (!_stopping.IsCancellationRequested)
        {
            var process = _processes[service.Name];
            try
            {
                await process.WaitForExitAsync(Timeout.InfiniteTimeSpan, _stopping.Token);
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (service.Restart == "on-failure" && process.ExitCode == 0)
            {
                return;
            }

            Restarts.Add($"{service.Name} exited with {process.ExitCode}: {string.Join('\n', process.Output.Split('\n').TakeLast(5))}");
            await process.DisposeAsync();
            _processes[service.Name] = Launch(service, env);
        }
    }

    /// <summary>What the container would run: the service's entrypoint, else the image's ENTRYPOINT + CMD, in its WORKDIR (/app).</summary>
    private TestProcess Launch(ComposeService service, IReadOnlyDictionary<string, string> env)
    {
        var image = service.Built!;
        IReadOnlyList<string> command = service.Entrypoint ?? [.. image.Entrypoint, .. image.Command];
        var translated = command.Select(a => Translation.Text(service, a)).ToList();
        if (translated.Count == 0)
        {
            throw new InvalidOperationException($"{service.Name}: neither the service nor {image.Path} says what to run");
        }

        return TestProcess.Start(service.Name, translated[0], translated.Skip(1), env.ToDictionary(), image.AppDirectory);
    }

    private List<ComposeService> InDependencyOrder()
    {
        var done = new HashSet<string>();
        var ordered = new List<ComposeService>();
        void Visit(ComposeService s)
        {
            if (done.Add(s.Name))
            {
                foreach (var d in s.DependsOn)
                {
                    Visit(Service(d.Service));
                }

                ordered.Add(s);
            }
        }

        foreach (var s in Services)
        {
            Visit(s);
        }

        return ordered;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_supervisors);
        foreach (var process in _processes.Values)
        {
            await process.DisposeAsync();
        }

        _postgres?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
