namespace Agents.Api.Rules.Schema;

public enum ColumnKind
{
    Text,
    Number,
    Date,
    Boolean,
    Other,
}

/// <summary>A column, with its distinct values when it is a text column with few of them (the translator's lexicon).</summary>
public sealed record SchemaColumn(string Name, string DataType, ColumnKind Kind, IReadOnlyList<string> Values);

public sealed record SchemaTable(string Schema, string Name, IReadOnlyList<SchemaColumn> Columns, string? PrimaryKey)
{
    public string QualifiedName => $"{RulesSql.Quote(Schema)}.{RulesSql.Quote(Name)}";

    public SchemaColumn? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);

    /// <summary>The date a question about "recent" or "last week" rows means when it names none: the first date column.</summary>
    public SchemaColumn? DefaultDateColumn => Columns.FirstOrDefault(c => c.Kind == ColumnKind.Date);
}

/// <summary>A single-column foreign key: From.FromColumn references To.ToColumn.</summary>
public sealed record SchemaForeignKey(SchemaTable From, string FromColumn, SchemaTable To, string ToColumn);

/// <summary>What the allowed schemas hold, as read at <see cref="ReadAt"/>.</summary>
public sealed record SchemaModel(IReadOnlyList<SchemaTable> Tables, IReadOnlyList<SchemaForeignKey> ForeignKeys, DateTimeOffset ReadAt)
{
    /// <summary>A compact description for a model's prompt: tables, columns with types, keys and known values.</summary>
    public string Describe()
    {
        var lines = new List<string>();
        foreach (var table in Tables)
        {
            var columns = table.Columns.Select(c =>
                $"{c.Name} {c.DataType}{(c.Name == table.PrimaryKey ? " primary key" : "")}" +
                (ForeignKeys.FirstOrDefault(f => f.From == table && f.FromColumn == c.Name) is { } fk ? $" references {fk.To.Schema}.{fk.To.Name}({fk.ToColumn})" : "") +
                (c.Values.Count > 0 ? $" values: {string.Join(", ", c.Values.Select(v => $"'{v}'"))}" : ""));
            lines.Add($"{table.Schema}.{table.Name}({string.Join("; ", columns)})");
        }
        return string.Join('\n', lines);
    }
}
