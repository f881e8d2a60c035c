using System.Text.Json;

namespace Agents.Api.Rules.Registry;

/// <summary>The registry of rules, in the app's own database.</summary>
public sealed class RuleStore(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        id AS Id, name AS Name, text AS Text, sql AS Sql, 'rules.' || view_name AS View, version AS Version, row_count AS RowCount,
        duration_ms AS DurationMs, translator AS Translator, refreshed_at AS RefreshedAt, created_at AS CreatedAt, created_by AS CreatedBy
        """;

    /// <summary>What the service needs beyond the public view of a rule.</summary>
    public sealed record StoredRule(RuleDto Rule, string ViewName, string ViewSql);

    public async Task<IReadOnlyList<RuleDto>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<RuleDto>(new CommandDefinition($"SELECT {Columns} FROM rules ORDER BY created_at DESC", cancellationToken: cancellationToken))];
    }

    public async Task<StoredRule?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await GetWhereAsync("id = @id", new { id }, cancellationToken);

    public async Task<StoredRule?> GetByNameAsync(string name, CancellationToken cancellationToken) =>
        await GetWhereAsync("name = @name", new { name }, cancellationToken);

    private async Task<StoredRule?> GetWhereAsync(string condition, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RuleDto, ViewDefinition, StoredRule>(new CommandDefinition(
                $"SELECT {Columns}, view_name AS ViewName, view_sql AS ViewSql FROM rules WHERE {condition}", parameters, cancellationToken: cancellationToken),
            (rule, view) => new StoredRule(rule, view.ViewName, view.ViewSql), splitOn: "ViewName");
        return rows.SingleOrDefault();
    }

    private sealed record ViewDefinition(string ViewName, string ViewSql);

    /// <summary>Adds a rule; false when its name is taken.</summary>
    public async Task<bool> InsertAsync(Guid id, string name, string text, string sql, IReadOnlyList<object?> parameters, string viewSql,
        string translator, string viewName, long rowCount, double durationMs, string user, CancellationToken cancellationToken)
    {
        const string insert = """
            INSERT INTO rules (id, name, text, sql, parameters, view_sql, translator, view_name, row_count, duration_ms, created_by)
            VALUES (@id, @name, @text, @sql, @parameters::jsonb, @viewSql, @translator, @viewName, @rowCount, @durationMs, @user)
            ON CONFLICT (name) DO NOTHING
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(insert, new
        {
            id, name, text, sql, parameters = JsonSerializer.Serialize(parameters), viewSql, translator, viewName, rowCount, durationMs, user,
        }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Points a rule at a new version of its view (its SQL changed).</summary>
    public async Task UpdateVersionAsync(Guid id, string text, string sql, IReadOnlyList<object?> parameters, string viewSql, string translator,
        string viewName, int version, long rowCount, double durationMs, CancellationToken cancellationToken)
    {
        const string update = """
            UPDATE rules SET text = @text, sql = @sql, parameters = @parameters::jsonb, view_sql = @viewSql, translator = @translator,
                view_name = @viewName, version = @version, row_count = @rowCount, duration_ms = @durationMs, updated_at = now(), refreshed_at = now()
            WHERE id = @id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(update, new
        {
            id, text, sql, parameters = JsonSerializer.Serialize(parameters), viewSql, translator, viewName, version, rowCount, durationMs,
        }, cancellationToken: cancellationToken));
    }

    public async Task MarkRefreshedAsync(Guid id, long rowCount, double durationMs, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE rules SET row_count = @rowCount, duration_ms = @durationMs, refreshed_at = now() WHERE id = @id",
            new { id, rowCount, durationMs }, cancellationToken: cancellationToken));
    }

    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM rules WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }
}
