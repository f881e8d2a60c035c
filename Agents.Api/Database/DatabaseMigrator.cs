using System.Reflection;
using DbUp;
using DbUp.Postgresql;

namespace Agents.Api.Database;

/// <summary>
/// Runs DbUp over the embedded migrations. Several Api replicas may start at once, so the run holds a
/// Postgres advisory lock: one applies, the others wait and then find nothing left to do.
/// </summary>
internal sealed partial class DatabaseMigrator(NpgsqlDataSource dataSource, MigrationState state, ILogger<DatabaseMigrator> logger) : BackgroundService
{
    private const long MigrationLockKey = 0x4147454e54535f4d; // "AGENTS_M"
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var applied = await MigrateAsync(stoppingToken);
                state.MarkApplied(applied);
                LogApplied(applied.Count, string.Join(", ", applied));
                return;
            }
            catch (Exception e) when (e is NpgsqlException or MigrationException or TimeoutException)
            {
                state.MarkFailed(e.Message);
                LogFailed(e);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var takeLock = new NpgsqlCommand("SELECT pg_advisory_lock($1)", lockConnection) { Parameters = { new() { Value = MigrationLockKey } } })
        {
            await takeLock.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            // DbUp is synchronous; it runs on a pool thread so start-up is not blocked.
            return await Task.Run(Upgrade, cancellationToken);
        }
        finally
        {
            await using var releaseLock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", lockConnection) { Parameters = { new() { Value = MigrationLockKey } } };
            await releaseLock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private List<string> Upgrade()
    {
        var upgrader = DeployChanges.To
            .PostgresqlDatabase(new PostgresqlConnectionManager(dataSource))
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.Contains(".Database.Migrations.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .WithVariablesDisabled()
            .JournalToPostgresqlTable("public", "schema_migrations")
            .LogTo(logger)
            .Build();
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
        {
            throw new MigrationException($"Migration {result.ErrorScript?.Name ?? "?"} failed: {result.Error?.Message}", result.Error);
        }
        return [.. result.Scripts.Select(s => s.Name)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrations up to date ({Count} applied now: {Scripts})")]
    private partial void LogApplied(int count, string scripts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database migrations failed; retrying")]
    private partial void LogFailed(Exception exception);
}

internal sealed class MigrationException(string message, Exception? inner) : Exception(message, inner);
