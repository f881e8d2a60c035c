using Microsoft.Extensions.Options;

namespace Agents.Api.Rules.Schema;

/// <summary>
/// Reads the allowed schemas' tables, columns, keys and the values of their low-cardinality text columns, and keeps
/// the result for <see cref="RulesOptions.SchemaCacheDuration"/> (or until <see cref="RefreshAsync"/>).
/// </summary>
public sealed partial class SchemaCatalog(RulesDatabase database, IOptions<RulesOptions> options, TimeProvider time, ILogger<SchemaCatalog> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SchemaModel? _current;

    public async Task<SchemaModel> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && time.GetUtcNow() - current.ReadAt < options.Value.SchemaCacheDuration)
        {
            return current;
        }
        return await RefreshAsync(cancellationToken);
    }

    public async Task<SchemaModel> RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _current = await ReadAsync(cancellationToken);
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<SchemaModel> ReadAsync(CancellationToken cancellationToken)
    {
        const string columnsSql = """
            SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), t.typcategory::text,
                   (SELECT i.indisprimary FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnatts = 1 AND i.indkey[0] = a.attnum) IS TRUE
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE n.nspname = ANY ($1) AND c.relkind IN ('r', 'v', 'm', 'p')
            ORDER BY n.nspname, c.relname, a.attnum
            """;
        const string foreignKeysSql = """
            SELECT fn.nspname, f.relname, fa.attname, tn.nspname, t.relname, ta.attname
            FROM pg_constraint k
            JOIN pg_class f ON f.oid = k.conrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
            JOIN pg_class t ON t.oid = k.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_attribute fa ON fa.attrelid = k.conrelid AND fa.attnum = k.conkey[1]
            JOIN pg_attribute ta ON ta.attrelid = k.confrelid AND ta.attnum = k.confkey[1]
            WHERE k.contype = 'f' AND cardinality(k.conkey) = 1 AND fn.nspname = ANY ($1) AND tn.nspname = ANY ($1)
            ORDER BY fn.nspname, f.relname, fa.attnum
            """;
        var schemas = options.Value.Schemas.ToArray();
        await using var connection = await database.Owner.OpenConnectionAsync(cancellationToken);

        var rawColumns = new List<(string Schema, string Table, string Column, string Type, string Category, bool IsKey)>();
        await using (var command = new NpgsqlCommand(columnsSql, connection) { Parameters = { new() { Value = schemas } } })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rawColumns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetBoolean(5)));
            }
        }

        var tables = new List<SchemaTable>();
        foreach (var group in rawColumns.GroupBy(c => (c.Schema, c.Table)))
        {
            var columns = new List<SchemaColumn>();
            foreach (var c in group)
            {
                var kind = Kind(c.Category);
                var values = kind == ColumnKind.Text && !c.IsKey ? await LowCardinalityValuesAsync(connection, c.Schema, c.Table, c.Column, cancellationToken) : [];
                columns.Add(new SchemaColumn(c.Column, c.Type, kind, values));
            }
            tables.Add(new SchemaTable(group.Key.Schema, group.Key.Table, columns, group.FirstOrDefault(c => c.IsKey).Column));
        }

        var foreignKeys = new List<SchemaForeignKey>();
        await using (var command = new NpgsqlCommand(foreignKeysSql, connection) { Parameters = { new() { Value = schemas } } })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var from = tables.FirstOrDefault(t => t.Schema == reader.GetString(0) && t.Name == reader.GetString(1));
                var to = tables.FirstOrDefault(t => t.Schema == reader.GetString(3) && t.Name == reader.GetString(4));
                if (from is not null && to is not null)
                {
                    foreignKeys.Add(new SchemaForeignKey(from, reader.GetString(2), to, reader.GetString(5)));
                }
            }
        }
        LogRead(tables.Count, foreignKeys.Count, string.Join(", ", schemas));
        return new SchemaModel(tables, foreignKeys, time.GetUtcNow());
    }

    private async Task<IReadOnlyList<string>> LowCardinalityValuesAsync(NpgsqlConnection connection, string schema, string table, string column, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxLexiconValues;
        if (max == 0)
        {
            return [];
        }
        var quoted = RulesSql.Quote(column);
        // A bounded look: at most max + 1 distinct short values, and never more than a second on a big table.
        var sql = $"""
            SELECT DISTINCT {quoted}::text FROM {RulesSql.Quote(schema)}.{RulesSql.Quote(table)}
            WHERE {quoted} IS NOT NULL AND length({quoted}::text) <= 40 LIMIT {max + 1}
            """;
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await RulesSql.ExecuteAsync(connection, "SET LOCAL statement_timeout = 1000", cancellationToken, transaction);
            var values = new List<string>();
            await using (var command = new NpgsqlCommand(sql, connection, transaction))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    values.Add(reader.GetString(0));
                }
            }
            await transaction.RollbackAsync(cancellationToken);
            return values.Count <= max ? [.. values.Order(StringComparer.Ordinal)] : [];
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled)
        {
            return [];
        }
    }

    private static ColumnKind Kind(string category) => category switch
    {
        "S" => ColumnKind.Text,
        "N" => ColumnKind.Number,
        "D" => ColumnKind.Date,
        "B" => ColumnKind.Boolean,
        _ => ColumnKind.Other,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Read the rules schema: {Tables} tables, {ForeignKeys} foreign keys in {Schemas}")]
    private partial void LogRead(int tables, int foreignKeys, string schemas);
}
