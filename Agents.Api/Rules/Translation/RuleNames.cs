using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Agents.Api.Rules.Translation;

/// <summary>A rule's name: lower snake case, from what the rule asks ("find_patterns_of_kind_pattern") or its words.</summary>
public static partial class RuleNames
{
    public const int MaxLength = 55; // room for "_v99" within PostgreSQL's 63-byte names

    private static readonly HashSet<string> Filler = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "all", "every", "of", "me", "please", "show", "list", "give", "get", "display", "which", "what", "are", "is",
        "where", "with", "whose", "that", "run", "rule", "for",
    };

    public static string From(QueryIntent intent)
    {
        var parts = new List<string>
        {
            intent.Aggregate switch
            {
                Aggregate.Count => "count",
                Aggregate.Sum => $"total_{intent.AggregateColumn!.Column.Name}",
                Aggregate.Average => $"average_{intent.AggregateColumn!.Column.Name}",
                Aggregate.Min => $"min_{intent.AggregateColumn!.Column.Name}",
                Aggregate.Max => $"max_{intent.AggregateColumn!.Column.Name}",
                _ when intent.OrderBy is not null && intent.Limit is not null => $"top_{intent.Limit}",
                _ => "find",
            },
            intent.Table.Name,
        };
        foreach (var filter in intent.Filters)
        {
            var column = filter.Column.Column.Name;
            var values = string.Join("_", filter.Values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
            parts.Add(filter.Operator switch
            {
                FilterOperator.Equal or FilterOperator.In => $"of_{column}_{values}",
                FilterOperator.NotEqual or FilterOperator.NotIn => $"{column}_not_{values}",
                FilterOperator.Greater => $"{column}_over_{values}",
                FilterOperator.GreaterOrEqual => $"{column}_at_least_{values}",
                FilterOperator.Less => $"{column}_under_{values}",
                FilterOperator.LessOrEqual => $"{column}_at_most_{values}",
                FilterOperator.Between => $"{column}_between_{values}",
                FilterOperator.Contains => $"{column}_containing_{values}",
                FilterOperator.StartsWith => $"{column}_starting_{values}",
                FilterOperator.EndsWith => $"{column}_ending_{values}",
                _ => $"{column}_{filter.Dates!.Words}",
            });
        }
        if (intent.GroupBy is not null)
        {
            parts.Add($"by_{intent.GroupBy.Column.Name}");
        }
        else if (intent.OrderBy is not null)
        {
            parts.Add($"by_{intent.OrderBy.Column.Name}{(intent.Descending ? "" : "_ascending")}");
        }
        return Slug(string.Join('_', parts));
    }

    /// <summary>A name from the words of the text (for a model's SQL, whose structure the Api does not read).</summary>
    public static string FromText(string text) =>
        Slug(string.Join('_', Lexicon.Words(NonWord().Replace(text, " ")).Where(w => !Filler.Contains(w)).Take(8)));

    public static string Slug(string text)
    {
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant().Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && slug.Length > 0 && slug[^1] != '_')
            {
                slug.Append('_');
            }
        }
        var name = slug.ToString().Trim('_');
        if (name.Length > MaxLength)
        {
            name = name[..MaxLength].TrimEnd('_');
        }
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            name = "rule_" + name;
        }
        return name;
    }

    /// <summary>Whether a name a person chose is usable as is (the same shape as derived names).</summary>
    public static bool IsValid(string name) => ValidName().IsMatch(name);

    [GeneratedRegex(@"[^\p{L}\p{N}]+")]
    private static partial Regex NonWord();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,54}$")]
    private static partial Regex ValidName();
}
