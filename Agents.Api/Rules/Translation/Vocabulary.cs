namespace Agents.Api.Rules.Translation;

/// <summary>The grammar's own words: operators, aggregates, ordering, grouping and connectors (any schema).</summary>
internal static class Vocabulary
{
    public static readonly (string[] Words, string Keyword)[] Keywords = Build(new()
    {
        ["how many"] = "COUNT", ["number of"] = "COUNT", ["count"] = "COUNT",
        ["total"] = "SUM", ["sum"] = "SUM",
        ["average"] = "AVG", ["avg"] = "AVG", ["mean"] = "AVG",
        ["minimum"] = "MIN", ["min"] = "MIN", ["lowest"] = "MIN", ["smallest"] = "MIN",
        ["maximum"] = "MAX", ["max"] = "MAX", ["highest"] = "MAX", ["largest"] = "MAX", ["biggest"] = "MAX",
        ["greater than or equal to"] = "GE", ["at least"] = "GE", [">="] = "GE", ["no less than"] = "GE",
        ["less than or equal to"] = "LE", ["at most"] = "LE", ["<="] = "LE", ["no more than"] = "LE",
        ["greater than"] = "GT", ["more than"] = "GT", ["larger than"] = "GT", ["higher than"] = "GT", ["bigger than"] = "GT",
        ["above"] = "GT", ["over"] = "GT", [">"] = "GT", ["exceeds"] = "GT", ["exceeding"] = "GT",
        ["less than"] = "LT", ["fewer than"] = "LT", ["lower than"] = "LT", ["smaller than"] = "LT", ["below"] = "LT",
        ["under"] = "LT", ["<"] = "LT",
        ["between"] = "BETWEEN",
        ["is not"] = "NE", ["are not"] = "NE", ["isnt"] = "NE", ["arent"] = "NE", ["not equal to"] = "NE", ["does not equal"] = "NE",
        ["not"] = "NE", ["!="] = "NE", ["<>"] = "NE", ["other than"] = "NE",
        ["is not one of"] = "NOTIN", ["not in"] = "NOTIN",
        ["equals"] = "EQ", ["equal to"] = "EQ", ["is equal to"] = "EQ", ["equals to"] = "EQ", ["="] = "EQ", ["is"] = "EQ", ["are"] = "EQ",
        ["was"] = "EQ", ["were"] = "EQ", ["of type"] = "EQ", ["set to"] = "EQ",
        ["is one of"] = "IN", ["one of"] = "IN", ["in"] = "IN", ["among"] = "IN",
        ["contains"] = "CONTAINS", ["containing"] = "CONTAINS", ["contain"] = "CONTAINS", ["includes"] = "CONTAINS",
        ["including"] = "CONTAINS", ["like"] = "CONTAINS", ["mentions"] = "CONTAINS", ["mentioning"] = "CONTAINS", ["matching"] = "CONTAINS",
        ["starts with"] = "STARTS", ["starting with"] = "STARTS", ["begins with"] = "STARTS", ["beginning with"] = "STARTS",
        ["ends with"] = "ENDS", ["ending with"] = "ENDS",
        ["and"] = "AND", ["but"] = "AND", ["or"] = "OR", [","] = "COMMA",
        ["grouped by"] = "GROUP", ["group by"] = "GROUP", ["by"] = "GROUP", ["per"] = "GROUP", ["for each"] = "GROUP",
        ["for every"] = "GROUP", ["broken down by"] = "GROUP", ["split by"] = "GROUP", ["each"] = "GROUP",
        ["sorted by"] = "ORDER", ["ordered by"] = "ORDER", ["order by"] = "ORDER", ["sort by"] = "ORDER", ["ranked by"] = "ORDER",
        ["top"] = "TOP", ["first"] = "FIRST", ["bottom"] = "BOTTOM",
        ["ascending"] = "ASC", ["asc"] = "ASC", ["descending"] = "DESC", ["desc"] = "DESC",
        ["newest"] = "NEWEST", ["latest"] = "NEWEST", ["most recent"] = "NEWEST", ["most recently"] = "NEWEST", ["recent"] = "NEWEST",
        ["oldest"] = "OLDEST", ["earliest"] = "OLDEST",
        ["cheapest"] = "CHEAPEST", ["least expensive"] = "CHEAPEST", ["most expensive"] = "PRICIEST", ["priciest"] = "PRICIEST",
        ["from"] = "FROM", ["located in"] = "FROM", ["based in"] = "FROM", ["living in"] = "FROM", ["who live in"] = "FROM",
        ["where"] = "FILTER", ["with"] = "FILTER", ["whose"] = "FILTER", ["that"] = "FILTER", ["which"] = "FILTER",
        ["who"] = "FILTER", ["having"] = "FILTER", ["that have"] = "FILTER", ["that has"] = "FILTER", ["which have"] = "FILTER",
        ["such that"] = "FILTER", ["if"] = "FILTER", ["when"] = "FILTER",
    });

    /// <summary>Words that carry no meaning for a query.</summary>
    public static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "find", "show", "list", "get", "give", "me", "display", "return", "select", "fetch", "what", "whats", "there", "the", "a",
        "an", "all", "every", "of", "for", "to", "please", "i", "want", "see", "some", "those", "these", "them", "their", "its",
        "rows", "row", "records", "record", "entries", "entry", "data", "do", "does", "did", "have", "has", "had", "been", "be",
        "being", "can", "you", "us", "we", "my", "our", "tell", "about", "currently", "value", "placed", "made", "any", "on", "at",
        "as", "than", "ones", "one", "done", "exist", "exists", "existing", "registered", "available", "known", "items", "item",
        "together", "overall", "whole", "entire", "rule", "query", "also", "just", "only", "s", "ever", "so", "far",
        "time", "times", "it", "they", "is", "are", "which", "were", "was", "had", "in",
    };

    private static (string[] Words, string Keyword)[] Build(Dictionary<string, string> entries) =>
        [.. entries.Select(e => (e.Key.Split(' '), e.Value)).OrderByDescending(e => e.Item1.Length)];

    public static bool IsComparison(string keyword) =>
        keyword is "EQ" or "NE" or "GT" or "GE" or "LT" or "LE" or "BETWEEN" or "IN" or "NOTIN" or "CONTAINS" or "STARTS" or "ENDS";

    /// <summary>Aggregate words that are also often column names ("total", "count").</summary>
    public static bool IsAggregate(string keyword) => keyword is "COUNT" or "SUM" or "AVG" or "MIN" or "MAX";
}
