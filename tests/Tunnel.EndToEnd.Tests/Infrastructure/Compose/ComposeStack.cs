namespace Tunnel.EndToEnd.Tests.Infrastructure.Compose;

/// <summary>
/// docker-compose.yml started as local processes (no Docker engine here): every service, in depends_on order, with
/// the environment, entrypoint and mounts the file gives it, through <see cref="ComposeTranslation"/>. A setting the
/// compose file passes that the code no longer reads, a missing one, or a service this class cannot run shows up as
/// a stack that does not work, which is what the test checks.
/// </summary>
public sealed class ComposeStack : IAsyncDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TestProcess> _processes = [];
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

    public ComposeService Service(string name) => Services.Single(s => s.Name == name);

    public TestProcess Process(string service) => _processes[service];

    /// <summary>The output of every process, for a failure message.</summary>
    public string Output => string.Join("\n", _processes.Select(p => $"--- {p.Key}:\n{string.Join('\n', p.Value.Output.Split('\n').TakeLast(30))}"));

    public static async Task<ComposeStack> StartAsync(IReadOnlyDictionary<string, string> variables)
    {
        var stack = new ComposeStack(variables);
        try
        {
            foreach (var service in stack.InDependencyOrder())
            {
                await stack.StartAsync(service);
            }
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }

        return stack;
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

        if (service.Image is not null)
        {
            throw new InvalidOperationException($"compose service {service.Name} runs image {service.Image}, which {nameof(ComposeStack)} cannot run as a process yet");
        }

        var app = ComposeTranslation.AppDirectory(service);
        if (service.Dockerfile?.EndsWith("Dockerfile.dev-oidc", StringComparison.Ordinal) == true)
        {
            await DevOidcProvider.EnsureInstalledAsync(app);
        }

        _processes[service.Name] = Launch(service, env, app);
        if (service.Restart is "always" or "unless-stopped" or "on-failure")
        {
            _supervisors.Add(RestartWhenExitedAsync(service, env, app));
        }
    }

    /// <summary>The restart policy: a service that exits (an edge started before the control plane's CA exists) starts again.</summary>
    private async Task RestartWhenExitedAsync(ComposeService service, IReadOnlyDictionary<string, string> env, string app)
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
            _processes[service.Name] = Launch(service, env, app);
        }
    }

    /// <summary>Why services were restarted, for the test to report.</summary>
    public System.Collections.Concurrent.ConcurrentBag<string> Restarts { get; } = [];

    private TestProcess Launch(ComposeService service, IReadOnlyDictionary<string, string> envReadOnly, string app)
    {
        var env = envReadOnly.ToDictionary();
        TestProcess process;
        if (service.Dockerfile?.EndsWith("Dockerfile.dev-oidc", StringComparison.Ordinal) == true)
        {
            process = TestProcess.Start(service.Name, "node", ["server.mjs"], env, app); // the image's CMD, in its WORKDIR
        }
        else if (service.Entrypoint is { Count: > 0 } entrypoint)
        {
            var command = entrypoint.Select(a => Translation.Text(service, a)).ToList();
            process = TestProcess.Start(service.Name, command[0], command.Skip(1), env);
        }
        else if (service.BuildArgs.TryGetValue("DLL", out var dll))
        {
            process = TestProcess.StartDotnet(service.Name, Path.Combine(app, dll), [], env); // the Dockerfile's ENTRYPOINT
        }
        else
        {
            throw new InvalidOperationException($"compose service {service.Name} has neither an image, an entrypoint nor a DLL build argument");
        }

        return process;
    }

    private IEnumerable<ComposeService> InDependencyOrder()
    {
        var done = new HashSet<string>();
        var ordered = new List<ComposeService>();
        void Visit(ComposeService s)
        {
            if (done.Add(s.Name))
            {
                foreach (var d in s.DependsOn)
                {
                    Visit(Service(d));
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
