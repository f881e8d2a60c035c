using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Agents.Api.Rules.Safety;

public sealed record QueryColumn(string Name, string Type);

public sealed record QueryResult(IReadOnlyList<QueryColumn> Columns, IReadOnlyList<object?[]> Rows, bool Truncated, double DurationMs);

/// <summary>The database refused or failed the query (a syntax error, an unknown column, the time limit).</summary>
public sealed class QueryFailedException(string message, string? sqlState, Exception? inner = null) : Exception(message, inner)
{
    public string? SqlState { get; } = sqlState;
}

/// <summary>
/// Runs generated SQL without trusting it: the guard's textual checks; then, as the read-only role, in a READ ONLY
/// transaction with a statement timeout and the allowed schemas as search path, an EXPLAIN whose relations must all be
/// in the allow-list; then the query itself, wrapped so that it is one SELECT with a row cap. Cancelling the token
/// cancels the query in the server.
/// </summary>
public sealed class ReadOnlyQueryExecutor(RulesDatabase database, IOptions<RulesOptions> options)
{
    public const string RulesSchema = "rules";

    public IReadOnlyCollection<string> AllowedSchemas => [.. options.Value.Schemas, RulesSchema];

    public async Task<QueryResult> ExecuteAsync(string sql, IReadOnlyList<object?> parameters, int maxRows, CancellationToken cancellationToken)
    {
        var body = SqlGuard.Check(sql);
        var rules = options.Value;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await using var connection = await database.Reader.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await RulesSql.ExecuteAsync(connection,
                $"SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {(long)rules.StatementTimeout.TotalMilliseconds}; " +
                $"SET LOCAL search_path = {string.Join(", ", AllowedSchemas.Select(RulesSql.Quote))}", cancellationToken, transaction);

            // Positional parameters keep Npgsql from rewriting the text; the cap is one of them, so there always is one.
            var capIndex = parameters.Count + 1;
            var wrapped = $"SELECT * FROM (\n{body}\n) AS rule_query LIMIT ${capIndex}";
            await CheckRelationsAsync(connection, transaction, wrapped, parameters, maxRows, cancellationToken);

            await using var command = Command(connection, transaction, wrapped, parameters, maxRows + 1);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var columns = RulesSql.Columns(reader);
            // One row past the cap says whether there were more.
            var rows = await RulesSql.ReadRowsAsync(reader, maxRows + 1, cancellationToken);
            var truncated = rows.Count > maxRows;
            if (truncated)
            {
                rows.RemoveAt(maxRows);
            }
            return new QueryResult(columns, rows, truncated, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled && !cancellationToken.IsCancellationRequested)
        {
            throw new QueryFailedException($"The query took longer than {rules.StatementTimeout.TotalSeconds:0.#} s and was stopped.", e.SqlState, e);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new UnsafeQueryException($"Not allowed: {e.MessageText}.");
        }
        catch (PostgresException e) when (e.SqlState != PostgresErrorCodes.QueryCanceled)
        {
            throw new QueryFailedException(e.MessageText + (e.Hint is { } hint ? $" ({hint})" : ""), e.SqlState, e);
        }
    }

    private async Task CheckRelationsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string wrapped,
        IReadOnlyList<object?> parameters, int maxRows, CancellationToken cancellationToken)
    {
        await using var explain = Command(connection, transaction, $"EXPLAIN (FORMAT JSON, VERBOSE) {wrapped}", parameters, maxRows + 1);
        var plan = (string)(await explain.ExecuteScalarAsync(cancellationToken))!;
        using var document = JsonDocument.Parse(plan);
        var allowed = AllowedSchemas;
        foreach (var (schema, relation) in Relations(document.RootElement))
        {
            if (!allowed.Contains(schema, StringComparer.Ordinal))
            {
                throw new UnsafeQueryException($"The query reads {schema}.{relation}, which is outside the allowed schemas ({string.Join(", ", allowed)}).");
            }
        }
    }

    // Every "Relation Name" and "Function Name" of the plan tree, with its schema.
    private static IEnumerable<(string Schema, string Name)> Relations(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var schema = element.TryGetProperty("Schema", out var s) ? s.GetString() ?? "" : "";
                if (element.TryGetProperty("Relation Name", out var relation))
                {
                    yield return (schema, relation.GetString() ?? "");
                }
                if (element.TryGetProperty("Function Name", out var function) && schema is not ("pg_catalog" or ""))
                {
                    yield return (schema, function.GetString() ?? "");
                }
                foreach (var property in element.EnumerateObject())
                {
                    foreach (var found in Relations(property.Value))
                    {
                        yield return found;
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var found in Relations(item))
                    {
                        yield return found;
                    }
                }
                break;
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, IReadOnlyList<object?> parameters, int limit)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        command.Parameters.Add(new NpgsqlParameter { Value = (long)limit });
        return command;
    }
}
