using System.ComponentModel.DataAnnotations;
using Agents.Api.Rules.Safety;

namespace Agents.Api.Rules.Registry;

public sealed record RuleTextRequest([property: Required, StringLength(RuleLimits.MaxTextLength, MinimumLength = 3)] string Text);

public sealed record CreateRuleRequest(
    [property: Required, StringLength(RuleLimits.MaxTextLength, MinimumLength = 3)] string Text,
    [property: RegularExpression("^[a-z][a-z0-9_]{0,54}$", ErrorMessage = "Use lower-case letters, digits and '_', starting with a letter (at most 55).")] string? Name = null);

/// <summary>A rule as the registry keeps it.</summary>
public sealed record RuleDto(
    Guid Id, string Name, string Text, string Sql, string View, int Version, long RowCount, double DurationMs, string Translator,
    DateTime RefreshedAt, DateTime CreatedAt, string CreatedBy);

/// <summary>What a rule would give, before anything is created: the SQL and its first rows.</summary>
public sealed record RulePreview(
    string Name, string Sql, IReadOnlyList<object?> Parameters, string Translator, string Explanation,
    IReadOnlyList<QueryColumn> Columns, IReadOnlyList<object?[]> Rows, long RowCount, bool Truncated, double DurationMs);

public sealed record RuleRows(IReadOnlyList<QueryColumn> Columns, IReadOnlyList<object?[]> Rows, long RowCount, int Offset, int Limit);

public static class RuleLimits
{
    public const int MaxTextLength = 2_000;

    /// <summary>Rows a preview answers with (the count covers up to Rules:MaxRows).</summary>
    public const int PreviewRows = 100;

    public const int MaxPageSize = 1_000;
}
