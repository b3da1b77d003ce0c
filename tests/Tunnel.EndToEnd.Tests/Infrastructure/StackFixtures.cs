namespace Tunnel.EndToEnd.Tests.Infrastructure;

/// <summary>A stack shared by the tests of one class; each test makes its own tunnel, so they do not interfere.</summary>
public abstract class StackFixture(Store store) : IAsyncLifetime
{
    public TunnelStack Stack { get; private set; } = null!;

    public async Task InitializeAsync() => Stack = await TunnelStack.StartAsync(store);

    public async Task DisposeAsync() => await Stack.DisposeAsync();
}

public sealed class SqliteStackFixture() : StackFixture(Store.Sqlite);

public sealed class PostgresStackFixture() : StackFixture(Store.Postgres);
