using System.Diagnostics;
using Agents.Api.Rules.Safety;
using Npgsql;

namespace Agents.Tests.Rules;

/// <summary>
/// Hostile SQL given straight to the executor, as if a translator (or a model) had produced it: each is refused, or
/// runs harmlessly; afterwards the data and the session are as they were.
/// </summary>
[Collection(RulesDatabaseCollection.Name)]
public sealed class QuerySafetyTests(RulesDatabaseFixture database)
{
    public static TheoryData<string, string> Refused => new()
    {
        { "two statements", "SELECT 1; DROP TABLE demo.patterns" },
        { "statement after a block comment", "SELECT 1 /* ; */ ; DELETE FROM demo.patterns" },
        { "statement after a line comment", "SELECT 1 -- harmless\n; DELETE FROM demo.patterns" },
        { "closing the wrapper", "SELECT 1) AS x; DELETE FROM demo.patterns; SELECT (1" },
        { "data-modifying CTE", "WITH gone AS (DELETE FROM demo.patterns RETURNING *) SELECT * FROM gone" },
        { "update CTE", "WITH u AS (UPDATE demo.orders SET total = 0 RETURNING id) SELECT count(*) FROM u" },
        { "insert", "INSERT INTO demo.patterns (id, name, kind, description, created_at) VALUES (99, 'x', 'x', 'x', now())" },
        { "select into a new table", "SELECT * INTO demo.stolen FROM demo.customers" },
        { "row locks", "SELECT * FROM demo.orders FOR UPDATE" },
        { "copy to a file", "COPY demo.customers TO '/tmp/customers.csv'" },
        { "copy from a program", "COPY demo.patterns FROM PROGRAM 'id'" },
        { "set_config", "SELECT set_config('statement_timeout', '0', false)" },
        { "set_config qualified", "SELECT pg_catalog.set_config('role', 'postgres', false)" },
        { "set_config quoted", "SELECT \"set_config\"('search_path', 'public', false)" },
        { "set command", "SET statement_timeout = 0" },
        { "reset role", "RESET ROLE" },
        { "pg_sleep", "SELECT pg_sleep(30)" },
        { "pg_sleep hidden in a CTE", "WITH s AS (SELECT pg_sleep_for('30 seconds')) SELECT * FROM s" },
        { "advisory lock", "SELECT pg_advisory_lock(42)" },
        { "notify", "SELECT pg_notify('agents', 'hello')" },
        { "terminate backends", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity" },
        { "sql run from a string", "SELECT query_to_xml('DELETE FROM demo.patterns RETURNING 1', true, false, '')" },
        { "read a server file", "SELECT pg_read_file('/etc/passwd')" },
        { "large object import", "SELECT lo_import('/etc/passwd')" },
        { "sequence side effect", "SELECT nextval('demo.some_sequence')" },
        { "system catalog", "SELECT * FROM pg_catalog.pg_authid" },
        { "unqualified system catalog", "SELECT relname FROM pg_class" },
        { "information schema", "SELECT table_name FROM information_schema.tables" },
        { "catalog in a subquery", "SELECT name, (SELECT count(*) FROM pg_roles) FROM demo.patterns" },
        { "catalog in a union", "SELECT name FROM demo.patterns UNION SELECT usename FROM pg_user" },
        { "settings", "SELECT current_setting('data_directory')" },
        { "version probe", "SELECT version()" },
        { "a function of the data schema", "SELECT demo.anything(1)" },
        { "do block", "DO $$ BEGIN DELETE FROM demo.patterns; END $$" },
        { "explain analyze", "EXPLAIN ANALYZE DELETE FROM demo.patterns" },
        { "unterminated comment", "SELECT 1 /* /* */" },
        { "unterminated string", "SELECT 'abc" },
        { "call", "CALL demo.cleanup()" },
        { "lock", "LOCK TABLE demo.orders" },
        { "create", "CREATE TABLE demo.x (id int)" },
        { "grant", "GRANT ALL ON demo.orders TO PUBLIC" },
        { "empty", "  ; ; " },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task HostileQueryIsRefused(string attack, string sql)
    {
        var error = await Record.ExceptionAsync(() => database.Executor.ExecuteAsync(sql, [], 100, TestContext.Current.CancellationToken));

        Assert.True(error is UnsafeQueryException or QueryFailedException, $"{attack}: expected a refusal, got {error?.GetType().Name ?? "rows"}");
        Assert.False(string.IsNullOrWhiteSpace(error!.Message));
        await AssertNothingChangedAsync();
    }

    public static TheoryData<string, string, string> Harmless => new()
    {
        // The "statement" is inside a nested comment: PostgreSQL reads SELECT 1 only.
        { "nested comment", "SELECT 1 AS one /* /* */ ; DELETE FROM demo.patterns */", "1" },
        { "statement in a string", "SELECT E'\\'; DROP TABLE demo.patterns; --' AS text", "'; DROP TABLE demo.patterns; --" },
        { "statement in a dollar string", "SELECT $x$; DELETE FROM demo.patterns$x$ AS text", "; DELETE FROM demo.patterns" },
        { "trailing semicolon and comment", "SELECT count(*) FROM demo.patterns; -- the end", "12" },
    };

    [Theory]
    [MemberData(nameof(Harmless))]
    public async Task TrickQueryRunsHarmlessly(string trick, string sql, string expected)
    {
        var result = await database.Executor.ExecuteAsync(sql, [], 100, TestContext.Current.CancellationToken);

        Assert.True(result.Rows.Count == 1, trick);
        Assert.Equal(expected, Convert.ToString(result.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture));
        await AssertNothingChangedAsync();
    }

    [Fact]
    public async Task SlowQueryIsStoppedByTheStatementTimeout()
    {
        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<QueryFailedException>(() => database.Executor.ExecuteAsync(
            "SELECT count(*) FROM demo.orders a, demo.orders b, demo.orders c", [], 10, TestContext.Current.CancellationToken));

        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < database.Options.StatementTimeout * 5, $"stopped after {started.Elapsed}");
    }

    [Fact]
    public async Task CancellingStopsTheQueryInTheServer()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => database.Executor.ExecuteAsync(
            "SELECT count(*) FROM demo.orders a, demo.orders b, demo.orders c", [], 10, cancel.Token));

        // The server no longer runs it: no active query of the reader role is left.
        var active = await database.QueryAsOwnerAsync("SELECT count(*) FROM pg_stat_activity WHERE usename = 'agents_rules_reader' AND state = 'active'");
        Assert.Equal(0L, active[0][0]);
    }

    [Fact]
    public async Task RowsAreCapped()
    {
        var result = await database.Executor.ExecuteAsync("SELECT * FROM demo.order_items", [], 25, TestContext.Current.CancellationToken);

        Assert.Equal(25, result.Rows.Count);
        Assert.True(result.Truncated);
    }

    /// <summary>Values written into a view's SQL (the one place parameters cannot go) read back exactly, whatever they hold.</summary>
    [Theory]
    [InlineData("O'Brien")]
    [InlineData("'; DROP TABLE demo.patterns; --")]
    [InlineData("\\'; DELETE FROM demo.patterns; --")]
    [InlineData("back\\slash and 'quote' and $$dollar$$ and /* comment")]
    [InlineData("ünïcödé ✓")]
    public async Task InlinedValuesReadBackExactly(string value)
    {
        var sql = SqlLiteral.Inline("SELECT $1 AS value, $2 AS number", [value, 12.5m]);

        var result = await database.Executor.ExecuteAsync(sql, [], 10, TestContext.Current.CancellationToken);

        Assert.Equal(value, result.Rows.Single()[0]);
        Assert.Equal(12.5m, result.Rows.Single()[1]);
        await AssertNothingChangedAsync();
    }

    /// <summary>Even without the guard, the role itself cannot change data or the session.</summary>
    [Theory]
    [InlineData("SELECT set_config('statement_timeout', '0', false)")]
    [InlineData("SELECT pg_sleep(0)")]
    [InlineData("SELECT pg_notify('x', 'y')")]
    [InlineData("DELETE FROM demo.patterns")]
    [InlineData("UPDATE demo.orders SET total = 0")]
    [InlineData("CREATE TABLE demo.x (id int)")]
    [InlineData("SELECT * FROM pg_authid")]
    public async Task TheReaderRoleItselfIsNotAllowed(string sql)
    {
        await using var command = database.Database.Reader.CreateCommand(sql);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        await AssertNothingChangedAsync();
    }

    private async Task AssertNothingChangedAsync()
    {
        var state = await database.QueryAsOwnerAsync("""
            SELECT (SELECT count(*) FROM demo.patterns), (SELECT count(*) FROM demo.orders WHERE total = 0),
                   (SELECT count(*) FROM pg_tables WHERE schemaname = 'demo' AND tablename IN ('stolen', 'x'))
            """);
        Assert.Equal([12L, 0L, 0L], state[0]);
    }
}
