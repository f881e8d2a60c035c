namespace Agents.Api.Rules.Schema;

/// <summary>The schema as the REST API shows it.</summary>
public sealed record SchemaModelDto(IReadOnlyList<SchemaTableDto> Tables, DateTimeOffset ReadAt)
{
    public static SchemaModelDto From(SchemaModel model) => new(
        [.. model.Tables.Select(t => new SchemaTableDto(t.Schema, t.Name, t.PrimaryKey,
            [.. t.Columns.Select(c => new SchemaColumnDto(c.Name, c.DataType, c.Values,
                model.ForeignKeys.FirstOrDefault(f => f.From == t && f.FromColumn == c.Name) is { } fk ? $"{fk.To.Schema}.{fk.To.Name}.{fk.ToColumn}" : null))]))],
        model.ReadAt);
}

public sealed record SchemaTableDto(string Schema, string Name, string? PrimaryKey, IReadOnlyList<SchemaColumnDto> Columns);

public sealed record SchemaColumnDto(string Name, string Type, IReadOnlyList<string> Values, string? References);
