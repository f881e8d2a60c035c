using System.Reflection;
using DbUp;
using DbUp.Postgresql;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Agents.Api.Rules;

/// <summary>
/// Prepares the rules database at start: its own versioned scripts (the <c>rules</c> schema, the reader role, the demo
/// data), the reader's password and grants on the allowed schemas, and no session-changing functions for the reader.
/// Held under an advisory lock so that replicas starting together do it once.
/// </summary>
internal sealed partial class RulesDatabaseSetup(RulesDatabase database, IOptions<RulesOptions> options, RulesSetupState state, ILogger<RulesDatabaseSetup> logger) : BackgroundService
{
    private const long SetupLockKey = 0x4147454e54535f52; // "AGENTS_R"
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    // Functions that change the session or the server, sleep, signal or run SQL given as text: the reader never needs them.
    private const string RevokeSessionFunctions = """
        DO $$
        DECLARE f regprocedure;
        BEGIN
            FOR f IN
                SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'pg_catalog' AND p.proname = ANY (ARRAY[
                    'set_config', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'pg_notify', 'pg_cancel_backend', 'pg_terminate_backend',
                    'pg_advisory_lock', 'pg_advisory_lock_shared', 'pg_advisory_xact_lock', 'pg_advisory_xact_lock_shared',
                    'pg_try_advisory_lock', 'pg_try_advisory_lock_shared', 'pg_try_advisory_xact_lock', 'pg_try_advisory_xact_lock_shared',
                    'pg_advisory_unlock', 'pg_advisory_unlock_shared', 'pg_advisory_unlock_all', 'pg_reload_conf', 'pg_logical_emit_message',
                    'query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'cursor_to_xml', 'cursor_to_xmlschema',
                    'table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema', 'schema_to_xml', 'schema_to_xmlschema',
                    'schema_to_xml_and_xmlschema', 'database_to_xml', 'database_to_xmlschema', 'database_to_xml_and_xmlschema',
                    'lo_import', 'lo_export', 'lo_create', 'lo_creat', 'lo_unlink', 'lo_from_bytea', 'lo_put', 'lo_open', 'lo_truncate'])
            LOOP
                EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
            END LOOP;
        END
        $$
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SetUpAsync(stoppingToken);
                state.MarkReady();
                LogReady(database.DatabaseName, string.Join(", ", options.Value.Schemas));
                return;
            }
            catch (Exception e) when (e is NpgsqlException or RulesSetupException or TimeoutException)
            {
                state.MarkFailed(e.Message);
                LogFailed(e);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private async Task SetUpAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.Owner.OpenConnectionAsync(cancellationToken);
        await RulesSql.ExecuteAsync(connection, $"SELECT pg_advisory_lock({SetupLockKey})", cancellationToken);
        try
        {
            await RulesSql.ExecuteAsync(connection, "CREATE SCHEMA IF NOT EXISTS rules", cancellationToken);
            await Task.Run(ApplyScripts, cancellationToken);
            if (database.ManagesReader)
            {
                await RulesSql.ExecuteAsync(connection, $"ALTER ROLE {RulesDatabase.ReaderRole} WITH LOGIN PASSWORD '{database.ReaderPassword!.Replace("'", "''", StringComparison.Ordinal)}'", cancellationToken);
                await RulesSql.ExecuteAsync(connection, $"GRANT CONNECT ON DATABASE {RulesSql.Quote(database.DatabaseName)} TO {RulesDatabase.ReaderRole}", cancellationToken);
                foreach (var schema in options.Value.Schemas)
                {
                    await RulesSql.ExecuteAsync(connection, $"""
                        GRANT USAGE ON SCHEMA {RulesSql.Quote(schema)} TO {RulesDatabase.ReaderRole};
                        GRANT SELECT ON ALL TABLES IN SCHEMA {RulesSql.Quote(schema)} TO {RulesDatabase.ReaderRole};
                        ALTER DEFAULT PRIVILEGES IN SCHEMA {RulesSql.Quote(schema)} GRANT SELECT ON TABLES TO {RulesDatabase.ReaderRole}
                        """, cancellationToken);
                }
                try
                {
                    await RulesSql.ExecuteAsync(connection, RevokeSessionFunctions, cancellationToken);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
                {
                    // Only a superuser may change who runs pg_catalog's functions; the query guard still refuses them.
                    LogCannotRevoke(e.MessageText);
                }
            }
        }
        finally
        {
            await RulesSql.ExecuteAsync(connection, $"SELECT pg_advisory_unlock({SetupLockKey})", CancellationToken.None);
        }
    }

    private void ApplyScripts()
    {
        var rules = options.Value;
        var seedDemo = rules.SeedDemo && rules.Schemas.Contains("demo", StringComparer.Ordinal);
        var upgrader = DeployChanges.To
            .PostgresqlDatabase(new PostgresqlConnectionManager(database.Owner))
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name =>
                name.Contains(".Rules.Setup.", StringComparison.Ordinal) && (seedDemo || !name.Contains("_demo_", StringComparison.Ordinal)))
            .WithTransactionPerScript()
            .WithVariablesDisabled()
            .JournalToPostgresqlTable("rules", "_setup_scripts")
            .LogTo(logger)
            .Build();
        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
        {
            throw new RulesSetupException($"Rules setup script {result.ErrorScript?.Name ?? "?"} failed: {result.Error?.Message}", result.Error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rules database {Database} ready; generated queries may read {Schemas}")]
    private partial void LogReady(string database, string schemas);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rules database setup failed; retrying")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not take session-changing functions away from the reader role ({Reason}); the query guard still refuses them")]
    private partial void LogCannotRevoke(string reason);
}

internal sealed class RulesSetupException(string message, Exception? inner) : Exception(message, inner);

/// <summary>Whether the rules database is ready; rules endpoints answer 503 until it is.</summary>
public sealed class RulesSetupState
{
    private volatile bool _ready;
    private volatile string? _lastError;

    public bool IsReady => _ready;

    public string? LastError => _lastError;

    public void MarkReady() => _ready = true;

    public void MarkFailed(string error) => _lastError = error;
}

/// <summary>Unhealthy until the first setup finishes; degraded (the rest of the Api still works) while it keeps failing.</summary>
internal sealed class RulesHealthCheck(RulesSetupState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsReady ? HealthCheckResult.Healthy("Rules database ready.")
            : state.LastError is { } error ? HealthCheckResult.Degraded($"Rules database not ready: {error}")
            : HealthCheckResult.Unhealthy("Rules database being prepared."));
}
