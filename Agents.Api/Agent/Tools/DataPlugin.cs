using System.ComponentModel;
using System.Globalization;
using System.Text;
using Agents.Api.Agent.Runtime;
using Agents.Api.Rules.Safety;
using Agents.Api.Rules.Translation;
using Microsoft.SemanticKernel;

namespace Agents.Api.Agent.Tools;

/// <summary>The <c>data</c> plugin: a question about the rules database, answered by a read-only query.</summary>
public sealed class DataPlugin(RuleTranslators translators, ReadOnlyQueryExecutor executor)
{
    public const int RowsShown = 20;

    [KernelFunction("query"), Description("Answers a question about the data (read-only): translates it to SQL, runs it and returns the rows.")]
    public async Task<string> QueryAsync(
        [Description("The question, e.g. 'how many orders per status'")] string question,
        CancellationToken cancellationToken = default)
    {
        QueryResult? result = null;
        TranslatedQuery query;
        try
        {
            query = await translators.TranslateAsync(question, async candidate =>
                result = await executor.ExecuteAsync(candidate.Sql, candidate.Parameters, 1_000, cancellationToken), cancellationToken);
        }
        catch (Exception e) when (e is TranslationDeclinedException or UnsafeQueryException or QueryFailedException)
        {
            throw new ToolFailedException((e as TranslationDeclinedException)?.Explanation ?? e.Message);
        }
        return Format(SqlLiteral.Inline(query.Sql, query.Parameters), result!);
    }

    /// <summary>The SQL, then the rows as a Markdown table (the first ones), then how many there were.</summary>
    public static string Format(string sql, QueryResult result)
    {
        var text = new StringBuilder();
        text.AppendLine("```sql").AppendLine(sql).AppendLine("```");
        text.AppendLine("| " + string.Join(" | ", result.Columns.Select(c => c.Name)) + " |");
        text.AppendLine("|" + string.Concat(result.Columns.Select(_ => " --- |")));
        foreach (var row in result.Rows.Take(RowsShown))
        {
            text.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        }
        var count = result.Truncated ? $"more than {result.Rows.Count}" : result.Rows.Count.ToString(CultureInfo.InvariantCulture);
        text.Append(CultureInfo.InvariantCulture, $"{count} row{(result.Rows.Count == 1 ? "" : "s")}");
        if (result.Rows.Count > RowsShown)
        {
            text.Append(CultureInfo.InvariantCulture, $", the first {RowsShown} shown");
        }
        return text.Append('.').ToString();
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        DateTime t => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        decimal d => d.ToString("0.##", CultureInfo.InvariantCulture),
        double d => d.ToString("0.##", CultureInfo.InvariantCulture),
        _ => (Convert.ToString(value, CultureInfo.InvariantCulture) ?? "").Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal),
    };
}
