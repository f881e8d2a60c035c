using Agents.Api.Rules.Safety;

namespace Agents.Api.Rules;

/// <summary>The SQL plumbing the rules code shares: quoting a name, running a command, reading a result's columns and rows.</summary>
public static class RulesSql
{
    public static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static IReadOnlyList<QueryColumn> Columns(NpgsqlDataReader reader) =>
        [.. Enumerable.Range(0, reader.FieldCount).Select(i => new QueryColumn(reader.GetName(i), reader.GetDataTypeName(i)))];

    /// <summary>At most <paramref name="max"/> rows, NULL as null.</summary>
    public static async Task<List<object?[]>> ReadRowsAsync(NpgsqlDataReader reader, int max, CancellationToken cancellationToken)
    {
        var rows = new List<object?[]>();
        while (rows.Count < max && await reader.ReadAsync(cancellationToken))
        {
            var values = new object?[reader.FieldCount];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(values);
        }
        return rows;
    }
}
