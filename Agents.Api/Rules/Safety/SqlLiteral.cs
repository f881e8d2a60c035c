using System.Globalization;
using System.Text;

namespace Agents.Api.Rules.Safety;

/// <summary>
/// Writes a query's parameter values into its text, for the one place parameters cannot go: a materialized view's
/// definition. Strings become E'' literals with their quotes and backslashes escaped; the result is checked and run
/// by the executor like any other query before the view is created.
/// </summary>
public static class SqlLiteral
{
    public static string Inline(string sql, IReadOnlyList<object?> parameters)
    {
        if (parameters.Count == 0)
        {
            return sql;
        }
        var text = new StringBuilder(sql);
        foreach (var token in SqlLexer.Tokenize(sql).Where(t => t.Kind == SqlTokenKind.Parameter).OrderByDescending(t => t.Position))
        {
            var index = int.Parse(token.Text.AsSpan(1), CultureInfo.InvariantCulture) - 1;
            if (index < 0 || index >= parameters.Count)
            {
                throw new UnsafeQueryException($"The query uses {token.Text} but has {parameters.Count} parameters.");
            }
            text.Remove(token.Position, token.Text.Length).Insert(token.Position, Render(parameters[index]));
        }
        return text.ToString();
    }

    public static string Render(object? value) => value switch
    {
        null => "NULL",
        string s when s.Contains('\0', StringComparison.Ordinal) => throw new UnsafeQueryException("A value contains a NUL character."),
        // Without a backslash a standard literal reads the same whatever standard_conforming_strings says.
        string s when !s.Contains('\\', StringComparison.Ordinal) => $"'{s.Replace("'", "''", StringComparison.Ordinal)}'",
        string s => $"E'{s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'",
        bool b => b ? "TRUE" : "FALSE",
        decimal or int or long or short or double or float => $"({Convert.ToString(value, CultureInfo.InvariantCulture)})",
        DateOnly d => $"DATE '{d:yyyy-MM-dd}'",
        DateTime t => $"TIMESTAMPTZ '{t.ToUniversalTime():yyyy-MM-dd HH:mm:ss.ffffff}+00'",
        DateTimeOffset t => $"TIMESTAMPTZ '{t.UtcDateTime:yyyy-MM-dd HH:mm:ss.ffffff}+00'",
        _ => throw new UnsafeQueryException($"A value of type {value.GetType().Name} cannot be written into a view."),
    };
}
