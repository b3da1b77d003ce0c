using System.Diagnostics;

namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL cluster per test run (the machine's PostgreSQL 15), on a free loopback port,
/// removed when the run ends. Postgres refuses to run as root, so as root it runs as the postgres user.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private static readonly Lazy<PostgresServer> Instance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly string _dataDir;
    private readonly string _bin;

    private PostgresServer(string bin, string dataDir, int port)
    {
        _bin = bin;
        _dataDir = dataDir;
        Port = port;
    }

    public static PostgresServer Shared => Instance.Value;

    /// <summary>A cluster of one's own, for a test that stops or restarts it without disturbing the others.</summary>
    public static PostgresServer StartDedicated(int? port = null) => Start(port);

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=5";

    private static PostgresServer Start() => Start(null);

    private static PostgresServer Start(int? fixedPort)
    {
        var bin = Environment.GetEnvironmentVariable("TUNNEL_TEST_PG_BIN") ?? FindBin()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found: install postgresql (.ci/run does) or set TUNNEL_TEST_PG_BIN");
        var dataDir = Path.Combine(Path.GetTempPath(), $"tunnel-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDir);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", ["postgres:postgres", dataDir], false);
        }

        var port = fixedPort ?? Ports.Free();
        Run(Path.Combine(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"], asRoot);
        var server = new PostgresServer(bin, dataDir, port);
        server.Resume();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    /// <summary>Stops the cluster, as an outage or an operator's restart of the database would.</summary>
    public void Pause() => Run(Path.Combine(_bin, "pg_ctl"), ["-D", _dataDir, "-w", "-m", "fast", "stop"], Environment.UserName == "root");

    public void Resume() => Run(Path.Combine(_bin, "pg_ctl"), ["-D", _dataDir, "-l", Path.Combine(_dataDir, "server.log"), "-w", "-o",
        $"-p {Port} -k {_dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start"],
        Environment.UserName == "root");

    public void Dispose() => Stop();

    /// <summary>Runs SQL as the superuser (psql), as an image's init scripts would.</summary>
    public void Execute(string sql) =>
        Run(Path.Combine(_bin, "psql"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql], false);

    private void Stop()
    {
        if (!Directory.Exists(_dataDir))
        {
            return;
        }

        try
        {
            Run(Path.Combine(_bin, "pg_ctl"), ["-D", _dataDir, "-w", "-m", "immediate", "stop"], Environment.UserName == "root");
        }
        finally
        {
            Directory.Delete(_dataDir, true);
        }
    }

    private static string? FindBin()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
            : [];
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")));
    }

    private static void Run(string file, string[] args, bool asPostgres)
    {
        var info = asPostgres ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. args]) : new ProcessStartInfo(file, args);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = Path.GetTempPath();
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}{stdout.Result}");
        }
    }
}
