using System.Collections.Concurrent;
using Npgsql;

namespace Agents.Hosting.Orchestration;

/// <summary>
/// Health checks of Postgres servers and databases, each on one connection kept open between checks, as Aspire's
/// pooled Npgsql health checks do. A new connection per check (every 5 s) cost the server a fork, password
/// authentication and catalog loading, 4-9 ms of CPU each, on the cores the app serves from.
/// </summary>
internal sealed class PostgresProbes : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, NpgsqlDataSource> _dataSources = new();

    /// <summary>Null when a connection answers <c>SELECT 1</c>, else why not.</summary>
    public async Task<string?> CheckAsync(string connectionString, CancellationToken cancellationToken)
    {
        var dataSource = _dataSources.GetOrAdd(connectionString, static cs => NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(cs) { Pooling = true, MaxPoolSize = 1, Timeout = 3, CommandTimeout = 3 }));
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // A server that restarted left the kept connection broken: the next check opens a new one.
            dataSource.Clear();
            return e.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources.Values)
        {
            await dataSource.DisposeAsync();
        }
        _dataSources.Clear();
    }
}
