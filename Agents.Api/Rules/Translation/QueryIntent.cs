using Agents.Api.Rules.Schema;

namespace Agents.Api.Rules.Translation;

public enum Aggregate
{
    None,
    Count,
    Sum,
    Average,
    Min,
    Max,
}

public enum FilterOperator
{
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Between,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    DateRange,
}

/// <summary>A column of some table the question reaches (the main table or one related to it by foreign keys).</summary>
public sealed record ColumnRef(SchemaTable Table, SchemaColumn Column);

/// <summary>A relative or absolute date range, as SQL bounds built by the grammar itself (never from the rule's words):
/// the lower one inclusive unless <see cref="FromInclusive"/> is false, the upper one exclusive.</summary>
public sealed record DateRange(string? From, string? To, string Words)
{
    public bool FromInclusive { get; init; } = true;
}

public sealed record Filter(ColumnRef Column, FilterOperator Operator, IReadOnlyList<object> Values, DateRange? Dates = null);

/// <summary>What the question asks, before it is SQL: from which table, which rows, what to compute, how to order.</summary>
public sealed class QueryIntent
{
    public required SchemaTable Table { get; init; }

    public Aggregate Aggregate { get; set; }

    public ColumnRef? AggregateColumn { get; set; }

    public List<Filter> Filters { get; } = [];

    public ColumnRef? GroupBy { get; set; }

    public ColumnRef? OrderBy { get; set; }

    public bool Descending { get; set; }

    public int? Limit { get; set; }
}
