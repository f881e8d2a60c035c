namespace Agents.Api.Rules.Safety;

/// <summary>SQL the guard refuses to run, whoever wrote it; the message says why in words.</summary>
public sealed class UnsafeQueryException(string message) : Exception(message);

/// <summary>
/// The first, textual line of defence (the role's grants, READ ONLY, the timeout and the EXPLAIN check follow): one
/// query only, no command words, and only functions from a list of pure, well-known ones.
/// </summary>
public static class SqlGuard
{
    private static readonly HashSet<string> CommandWords = new(StringComparer.Ordinal)
    {
        "insert", "update", "delete", "merge", "truncate", "drop", "alter", "create", "grant", "revoke", "copy", "call", "do",
        "lock", "vacuum", "analyze", "analyse", "cluster", "reindex", "refresh", "listen", "unlisten", "notify", "set", "reset",
        "begin", "commit", "rollback", "savepoint", "release", "prepare", "execute", "deallocate", "declare", "discard", "load",
        "into", "comment", "security", "import", "checkpoint", "reassign", "explain", "show",
    };

    // Keywords that may stand before "(" without being a function call.
    private static readonly HashSet<string> KeywordsBeforeParenthesis = new(StringComparer.Ordinal)
    {
        "select", "from", "where", "and", "or", "not", "in", "exists", "any", "all", "some", "as", "on", "using", "join", "lateral",
        "values", "over", "filter", "within", "row", "array", "cast", "coalesce", "nullif", "greatest", "least", "extract",
        "position", "substring", "trim", "overlay", "with", "group", "partition", "case", "when", "then", "else", "between",
        "like", "ilike", "similar", "is", "distinct", "union", "except", "intersect", "by", "having", "limit", "offset", "order",
        "grouping", "rollup", "cube", "sets", "materialized", "recursive", "interval", "end", "asc", "desc", "nulls", "first", "last",
        // types with modifiers: numeric(10, 2), varchar(20), timestamp(0)...
        "numeric", "decimal", "varchar", "char", "character", "varying", "bit", "timestamp", "timestamptz", "time", "timetz", "float",
    };

    private static readonly HashSet<string> AllowedFunctions = new(StringComparer.Ordinal)
    {
        // aggregates and window functions
        "count", "sum", "avg", "min", "max", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "bool_and",
        "bool_or", "every", "string_agg", "array_agg", "json_agg", "jsonb_agg", "percentile_cont", "percentile_disc", "mode", "corr",
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
        // numbers
        "abs", "ceil", "ceiling", "floor", "round", "trunc", "sign", "sqrt", "cbrt", "power", "exp", "ln", "log", "log10", "mod", "div",
        "width_bucket",
        // text
        "lower", "upper", "initcap", "length", "char_length", "character_length", "octet_length", "concat", "concat_ws", "left", "right",
        "lpad", "rpad", "ltrim", "rtrim", "btrim", "replace", "split_part", "strpos", "substr", "reverse", "repeat", "format", "md5",
        "regexp_replace", "regexp_match", "regexp_like", "regexp_count", "starts_with", "translate", "to_char", "to_number",
        // dates
        "now", "date_trunc", "date_part", "date_bin", "age", "make_date", "make_time", "make_timestamp", "make_timestamptz",
        "make_interval", "justify_days", "justify_hours", "justify_interval", "isfinite", "to_date", "to_timestamp", "timezone",
        "clock_timestamp", "statement_timestamp", "transaction_timestamp",
        // json and arrays
        "json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array", "to_json", "to_jsonb", "row_to_json",
        "json_extract_path_text", "jsonb_extract_path_text", "json_array_length", "jsonb_array_length", "array_length",
        "array_to_string", "string_to_array", "unnest", "cardinality",
    };

    /// <summary>Checks the text and returns it without trailing semicolons, ready to be wrapped.</summary>
    public static string Check(string sql)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            throw new UnsafeQueryException("The query is empty.");
        }
        List<SqlToken> tokens;
        try
        {
            tokens = SqlLexer.Tokenize(sql);
        }
        catch (SqlLexerException e)
        {
            throw new UnsafeQueryException($"The query cannot be read safely: {e.Message}");
        }
        var end = tokens.Count;
        while (end > 0 && tokens[end - 1] is { Kind: SqlTokenKind.Symbol, Text: ";" })
        {
            end--;
        }
        if (end == 0)
        {
            throw new UnsafeQueryException("The query is empty.");
        }
        if (tokens[0] is not { Kind: SqlTokenKind.Word, Text: "select" or "with" })
        {
            throw new UnsafeQueryException("Only a query (SELECT or WITH ... SELECT) may run.");
        }
        var depth = 0;
        for (var i = 0; i < end; i++)
        {
            var token = tokens[i];
            switch (token)
            {
                case { Kind: SqlTokenKind.Symbol, Text: ";" }:
                    throw new UnsafeQueryException("Only one statement may run.");
                case { Kind: SqlTokenKind.Symbol, Text: "(" }:
                    depth++;
                    break;
                case { Kind: SqlTokenKind.Symbol, Text: ")" }:
                    if (--depth < 0)
                    {
                        throw new UnsafeQueryException("The query's parentheses do not match.");
                    }
                    break;
                case { Kind: SqlTokenKind.Word } when CommandWords.Contains(token.Text):
                    throw new UnsafeQueryException($"'{token.Text.ToUpperInvariant()}' is not allowed: rules only read data.");
                case { Kind: SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier } when i + 1 < end && tokens[i + 1] is { Kind: SqlTokenKind.Symbol, Text: "(" }:
                    var isKeyword = token.Kind == SqlTokenKind.Word && KeywordsBeforeParenthesis.Contains(token.Text);
                    if (!isKeyword && !AllowedFunctions.Contains(token.Text))
                    {
                        throw new UnsafeQueryException($"The function '{token.Text}' is not allowed in rules.");
                    }
                    break;
            }
        }
        if (depth != 0)
        {
            throw new UnsafeQueryException("The query's parentheses do not match.");
        }
        // Wrapped later on lines of its own, so a trailing line comment cannot swallow what follows.
        return (end < tokens.Count ? sql[..tokens[end].Position] : sql).Trim();
    }
}
