using System.Text;
using Agents.Api.Rules.Schema;

namespace Agents.Api.Rules.Translation;

/// <summary>
/// Writes a <see cref="QueryIntent"/> as one SELECT with positional parameters. Columns of related tables are reached
/// by JOINs when every hop goes up a foreign key (no row of the main table is repeated), otherwise by EXISTS.
/// </summary>
internal sealed class SqlWriter(SchemaModel schema)
{
    private readonly JoinPaths _paths = new(schema);
    private readonly List<object?> _parameters = [];
    private readonly List<string> _joins = [];
    private readonly Dictionary<string, string> _joinAliases = new(StringComparer.Ordinal);
    private int _aliases;

    public (string Sql, IReadOnlyList<object?> Parameters) Write(QueryIntent intent)
    {
        const string main = "t0";
        var where = intent.Filters.Select(f => Condition(intent.Table, main, f)).ToList();
        var group = intent.GroupBy is null ? null : Reach(intent.Table, main, intent.GroupBy, "group by");
        var aggregateColumn = intent.AggregateColumn is null ? null : Reach(intent.Table, main, intent.AggregateColumn, "aggregate");
        var order = intent.OrderBy is null ? null : Reach(intent.Table, main, intent.OrderBy, "order by");

        var aggregate = intent.Aggregate switch
        {
            Aggregate.Count => "count(*) AS count",
            Aggregate.Sum => $"sum({aggregateColumn}) AS {Alias("total", intent.AggregateColumn!)}",
            Aggregate.Average => $"avg({aggregateColumn}) AS {Alias("average", intent.AggregateColumn!)}",
            Aggregate.Min => $"min({aggregateColumn}) AS {Alias("min", intent.AggregateColumn!)}",
            Aggregate.Max => $"max({aggregateColumn}) AS {Alias("max", intent.AggregateColumn!)}",
            _ when group is not null => "count(*) AS count", // "orders by status": how many in each
            _ => null,
        };

        var sql = new StringBuilder("SELECT ");
        sql.Append(group is not null ? $"{group} AS {Quote(intent.GroupBy!.Column.Name)}, {aggregate}" : aggregate ?? $"{main}.*");
        sql.Append($"\nFROM {intent.Table.QualifiedName} AS {main}");
        foreach (var join in _joins)
        {
            sql.Append('\n').Append(join);
        }
        if (where.Count > 0)
        {
            sql.Append("\nWHERE ").Append(string.Join("\n  AND ", where));
        }
        if (group is not null)
        {
            sql.Append($"\nGROUP BY {group}\nORDER BY {group}");
        }
        else if (aggregate is null)
        {
            var key = intent.Table.PrimaryKey is { } pk ? $"{main}.{Quote(pk)}" : null;
            var orderBy = new List<string>();
            if (order is not null)
            {
                orderBy.Add($"{order} {(intent.Descending ? "DESC NULLS LAST" : "ASC")}");
            }
            if (key is not null && (order is not null || intent.Limit is not null))
            {
                orderBy.Add($"{key} ASC");
            }
            if (orderBy.Count > 0)
            {
                sql.Append("\nORDER BY ").Append(string.Join(", ", orderBy));
            }
            if (intent.Limit is { } limit)
            {
                sql.Append($"\nLIMIT {limit}");
            }
        }
        return (sql.ToString(), _parameters);
    }

    /// <summary>The SQL for a column the main table reaches by joins (only up the foreign keys).</summary>
    private string Reach(SchemaTable main, string mainAlias, ColumnRef column, string purpose)
    {
        var path = _paths.PathBetween(main, column.Table) ?? throw new TranslationDeclinedException($"{main.Name} is not linked to {column.Table.Name}.", []);
        if (path.Any(step => !step.Up))
        {
            throw new TranslationDeclinedException(
                $"Each {Lexicon.Singular(main.Name)} has many {column.Table.Name}, so I cannot {purpose} their {column.Column.Name}; ask about {column.Table.Name} instead.", [column.Table.Name]);
        }
        return $"{JoinUp(mainAlias, path)}.{Quote(column.Column.Name)}";
    }

    // Joins up a path once per distinct path, and returns the alias of its last table.
    private string JoinUp(string mainAlias, IReadOnlyList<JoinStep> path)
    {
        var alias = mainAlias;
        var key = new StringBuilder(mainAlias);
        foreach (var step in path)
        {
            key.Append('>').Append(step.ForeignKey.From.Name).Append('.').Append(step.ForeignKey.FromColumn);
            if (!_joinAliases.TryGetValue(key.ToString(), out var next))
            {
                next = $"t{++_aliases}";
                _joinAliases[key.ToString()] = next;
                _joins.Add($"JOIN {step.Target.QualifiedName} AS {next} ON {next}.{Quote(step.ForeignKey.ToColumn)} = {alias}.{Quote(step.ForeignKey.FromColumn)}");
            }
            alias = next;
        }
        return alias;
    }

    private string Condition(SchemaTable main, string mainAlias, Filter filter)
    {
        var path = _paths.PathBetween(main, filter.Column.Table) ?? throw new TranslationDeclinedException($"{main.Name} is not linked to {filter.Column.Table.Name}.", []);
        if (path.All(step => step.Up))
        {
            return Predicate($"{JoinUp(mainAlias, path)}.{Quote(filter.Column.Column.Name)}", filter);
        }
        // A hop down (to many rows): "orders where category is garden" = orders with at least one such item.
        var from = new StringBuilder();
        var alias = mainAlias;
        string? link = null;
        foreach (var step in path)
        {
            var next = $"e{++_aliases}";
            var on = step.Up
                ? $"{next}.{Quote(step.ForeignKey.ToColumn)} = {alias}.{Quote(step.ForeignKey.FromColumn)}"
                : $"{next}.{Quote(step.ForeignKey.FromColumn)} = {alias}.{Quote(step.ForeignKey.ToColumn)}";
            if (link is null)
            {
                from.Append($"{step.Target.QualifiedName} AS {next}");
                link = on;
            }
            else
            {
                from.Append($" JOIN {step.Target.QualifiedName} AS {next} ON {on}");
            }
            alias = next;
        }
        return $"EXISTS (SELECT 1 FROM {from} WHERE {link} AND {Predicate($"{alias}.{Quote(filter.Column.Column.Name)}", filter)})";
    }

    private string Predicate(string column, Filter filter)
    {
        var values = filter.Values;
        return filter.Operator switch
        {
            FilterOperator.Equal => $"{column} = {Parameter(values[0])}",
            FilterOperator.NotEqual => $"{column} <> {Parameter(values[0])}",
            FilterOperator.Greater => $"{column} > {Parameter(values[0])}",
            FilterOperator.GreaterOrEqual => $"{column} >= {Parameter(values[0])}",
            FilterOperator.Less => $"{column} < {Parameter(values[0])}",
            FilterOperator.LessOrEqual => $"{column} <= {Parameter(values[0])}",
            FilterOperator.Between => $"{column} BETWEEN {Parameter(values[0])} AND {Parameter(values[1])}",
            FilterOperator.In => $"{column} IN ({string.Join(", ", values.Select(Parameter))})",
            FilterOperator.NotIn => $"{column} NOT IN ({string.Join(", ", values.Select(Parameter))})",
            FilterOperator.Contains => $"{column}::text ILIKE {Parameter($"%{EscapeLike(values[0])}%")}",
            FilterOperator.StartsWith => $"{column}::text ILIKE {Parameter($"{EscapeLike(values[0])}%")}",
            FilterOperator.EndsWith => $"{column}::text ILIKE {Parameter($"%{EscapeLike(values[0])}")}",
            FilterOperator.DateRange => DateCondition(column, filter.Dates!),
            _ => throw new InvalidOperationException($"Unknown operator {filter.Operator}."),
        };
    }

    // The bounds are the grammar's own expressions (now(), date_trunc, a date it parsed), never the rule's words.
    private static string DateCondition(string column, DateRange range)
    {
        var parts = new List<string>();
        if (range.From is not null)
        {
            parts.Add($"{column} {(range.FromInclusive ? ">=" : ">")} {range.From}");
        }
        if (range.To is not null)
        {
            parts.Add($"{column} < {range.To}");
        }
        return string.Join(" AND ", parts);
    }

    private string Parameter(object? value)
    {
        _parameters.Add(value);
        return $"${_parameters.Count}";
    }

    private static string EscapeLike(object? value) =>
        (value?.ToString() ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static string Alias(string prefix, ColumnRef column) => Quote($"{prefix}_{column.Column.Name}");

    private static string Quote(string identifier) => RulesSql.Quote(identifier);
}
