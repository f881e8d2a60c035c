using System.Diagnostics;
using Agents.Api.Rules.Safety;
using Agents.Api.Rules.Translation;
using Microsoft.Extensions.Options;

namespace Agents.Api.Rules.Registry;

/// <summary>A rule's name is taken by another rule.</summary>
public sealed class RuleConflictException(string message) : Exception(message);

/// <summary>
/// A rule's life: translated and dry-run first (the SQL and a preview), then its materialized view created in the
/// <c>rules</c> schema by the Api's own role, registered, refreshed, versioned when its SQL changes, deleted.
/// </summary>
public sealed partial class RuleService(
    RuleTranslators translators, ReadOnlyQueryExecutor executor, RulesDatabase database, RuleStore store,
    IOptions<RulesOptions> options, ILogger<RuleService> logger)
{
    public const string Schema = ReadOnlyQueryExecutor.RulesSchema;

    /// <summary>Translates and runs the rule read-only: nothing is created.</summary>
    public async Task<RulePreview> PreviewAsync(string text, CancellationToken cancellationToken)
    {
        QueryResult? result = null;
        var query = await translators.TranslateAsync(text, async candidate =>
            result = await executor.ExecuteAsync(candidate.Sql, candidate.Parameters, options.Value.MaxRows, cancellationToken), cancellationToken);
        return new RulePreview(query.Name, query.Sql, query.Parameters, query.Translator, query.Explanation, result!.Columns,
            [.. result.Rows.Take(RuleLimits.PreviewRows)], result.Rows.Count, result.Truncated, Math.Round(result.DurationMs, 1));
    }

    /// <summary>Creates a rule from a preview (so the SQL a person saw is the SQL that is created).</summary>
    public async Task<RuleDto> CreateAsync(string text, RulePreview preview, string? name, string user, CancellationToken cancellationToken)
    {
        name ??= preview.Name;
        if (await store.GetByNameAsync(name, cancellationToken) is not null)
        {
            throw new RuleConflictException($"A rule named {name} exists already: refresh it, change its text, or choose another name.");
        }
        var (viewSql, rowCount, duration) = await CreateViewAsync(name, preview, cancellationToken);
        var id = Guid.CreateVersion7();
        if (!await store.InsertAsync(id, name, text, preview.Sql, preview.Parameters, viewSql, preview.Translator, name, rowCount, duration, user, cancellationToken))
        {
            await DropViewAsync(name, CancellationToken.None);
            throw new RuleConflictException($"A rule named {name} was created meanwhile.");
        }
        LogCreated(name, rowCount);
        return Tagged((await store.GetAsync(id, cancellationToken))!.Rule);
    }

    /// <summary>What the chat's "run &lt;rule&gt;" does: create the rule, or, when one of that name exists, refresh it
    /// (same SQL) or give it a new version (its SQL changed).</summary>
    public async Task<RuleDto> CreateOrUpdateAsync(string text, RulePreview preview, string user, CancellationToken cancellationToken)
    {
        var existing = await store.GetByNameAsync(preview.Name, cancellationToken);
        if (existing is null)
        {
            return await CreateAsync(text, preview, null, user, cancellationToken);
        }
        return await ChangeTextAsync(existing, text, preview, cancellationToken);
    }

    /// <summary>Gives a rule a new text from its preview: a new version of its view when the SQL changed, a refresh otherwise.</summary>
    public async Task<RuleDto> ChangeTextAsync(RuleStore.StoredRule rule, string text, RulePreview preview, CancellationToken cancellationToken) =>
        preview.Sql == rule.Rule.Sql && SqlLiteral.Inline(preview.Sql, preview.Parameters) == rule.ViewSql
            ? await RefreshAsync(rule, cancellationToken)
            : await NewVersionAsync(rule, text, preview, cancellationToken);

    private async Task<RuleDto> NewVersionAsync(RuleStore.StoredRule rule, string text, RulePreview preview, CancellationToken cancellationToken)
    {
        var version = rule.Rule.Version + 1;
        var viewName = $"{rule.Rule.Name}_v{version}";
        var (viewSql, rowCount, duration) = await CreateViewAsync(viewName, preview, cancellationToken);
        await store.UpdateVersionAsync(rule.Rule.Id, text, preview.Sql, preview.Parameters, viewSql, preview.Translator, viewName, version, rowCount, duration, cancellationToken);
        await DropViewAsync(rule.ViewName, CancellationToken.None);
        LogNewVersion(rule.Rule.Name, version);
        return Tagged((await store.GetAsync(rule.Rule.Id, cancellationToken))!.Rule);
    }

    public async Task<RuleDto> RefreshAsync(RuleStore.StoredRule rule, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await database.Owner.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RulesSql.ExecuteAsync(connection, LocalStatementTimeout, cancellationToken, transaction);
        await RulesSql.ExecuteAsync(connection, $"REFRESH MATERIALIZED VIEW {QualifiedView(rule.ViewName)}", cancellationToken, transaction);
        var rowCount = await CountAsync(connection, transaction, rule.ViewName, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var duration = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);
        await store.MarkRefreshedAsync(rule.Rule.Id, rowCount, duration, cancellationToken);
        return Tagged((await store.GetAsync(rule.Rule.Id, cancellationToken))!.Rule);
    }

    public async Task DeleteAsync(RuleStore.StoredRule rule, CancellationToken cancellationToken)
    {
        Tagged(rule.Rule);
        await DropViewAsync(rule.ViewName, cancellationToken);
        await store.DeleteAsync(rule.Rule.Id, cancellationToken);
    }

    /// <summary>A page of the rule's view, sorted by one of its columns.</summary>
    public async Task<RuleRows> RowsAsync(RuleStore.StoredRule rule, int offset, int limit, string? sort, bool descending, CancellationToken cancellationToken)
    {
        await using var connection = await database.Owner.OpenConnectionAsync(cancellationToken);
        var columns = await ColumnsAsync(connection, rule.ViewName, cancellationToken);
        if (sort is not null && !columns.Any(c => c.Name == sort))
        {
            throw new ArgumentException($"'{sort}' is not a column of {rule.Rule.Name}; its columns are {string.Join(", ", columns.Select(c => c.Name))}.");
        }
        var order = sort is null ? "" : $" ORDER BY {RulesSql.Quote(sort)} {(descending ? "DESC NULLS LAST" : "ASC NULLS FIRST")}";
        await using var command = new NpgsqlCommand($"SELECT * FROM {QualifiedView(rule.ViewName)}{order} OFFSET $1 LIMIT $2", connection)
        {
            Parameters = { new() { Value = (long)offset }, new() { Value = (long)limit } },
        };
        List<object?[]> rows;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            rows = await RulesSql.ReadRowsAsync(reader, limit, cancellationToken);
        }
        return new RuleRows(columns, rows, await CountAsync(connection, null, rule.ViewName, cancellationToken), offset, limit);
    }

    /// <summary>Writes every row of the rule's view as CSV with a header (PostgreSQL's own CSV quoting).</summary>
    public async Task WriteCsvAsync(RuleStore.StoredRule rule, Stream output, CancellationToken cancellationToken)
    {
        await using var connection = await database.Owner.OpenConnectionAsync(cancellationToken);
        using var export = await connection.BeginTextExportAsync($"COPY (SELECT * FROM {QualifiedView(rule.ViewName)}) TO STDOUT WITH (FORMAT csv, HEADER)", cancellationToken);
        await using var writer = new StreamWriter(output, leaveOpen: true);
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await export.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        await writer.FlushAsync(cancellationToken);
    }

    // The view's SQL has its values written in; it runs once more through the executor as the reader (the same checks
    // as any generated query) before the owner creates the view from it.
    private async Task<(string ViewSql, long RowCount, double DurationMs)> CreateViewAsync(string viewName, RulePreview preview, CancellationToken cancellationToken)
    {
        var viewSql = SqlLiteral.Inline(preview.Sql, preview.Parameters);
        await executor.ExecuteAsync(viewSql, [], 1, cancellationToken);
        var body = SqlGuard.Check(viewSql);
        var started = Stopwatch.GetTimestamp();
        await using var connection = await database.Owner.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RulesSql.ExecuteAsync(connection, LocalStatementTimeout, cancellationToken, transaction);
        await RulesSql.ExecuteAsync(connection, $"DROP MATERIALIZED VIEW IF EXISTS {QualifiedView(viewName)}", cancellationToken, transaction);
        // Positional parameters: the driver sends the text as a value and never parses it.
        await using (var create = new NpgsqlCommand("SELECT rules.create_rule_view($1, $2, $3)", connection, transaction)
        {
            Parameters = { new() { Value = viewName }, new() { Value = body }, new() { Value = (long)options.Value.MaxViewRows } },
        })
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        var rowCount = await CountAsync(connection, transaction, viewName, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (viewSql, rowCount, Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1));
    }

    private async Task DropViewAsync(string viewName, CancellationToken cancellationToken)
    {
        await using var connection = await database.Owner.OpenConnectionAsync(cancellationToken);
        await RulesSql.ExecuteAsync(connection, $"DROP MATERIALIZED VIEW IF EXISTS {QualifiedView(viewName)}", cancellationToken);
    }

    private static async Task<IReadOnlyList<QueryColumn>> ColumnsAsync(NpgsqlConnection connection, string viewName, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT * FROM {QualifiedView(viewName)} LIMIT 0", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return RulesSql.Columns(reader);
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string viewName, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {QualifiedView(viewName)}", connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // The rule a request or run works on, on its span (the dashboard's trace detail shows it).
    private static RuleDto Tagged(RuleDto rule)
    {
        Activity.Current?.SetTag("agents.rule.id", rule.Id.ToString()).SetTag("agents.rule.name", rule.Name);
        return rule;
    }

    private string LocalStatementTimeout => $"SET LOCAL statement_timeout = {(long)options.Value.StatementTimeout.TotalMilliseconds}";

    public static string QualifiedView(string viewName) => $"{Schema}.{RulesSql.Quote(viewName)}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule {Name} created with {Rows} rows")]
    private partial void LogCreated(string name, long rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule {Name} has a new version {Version}: its SQL changed")]
    private partial void LogNewVersion(string name, int version);
}
