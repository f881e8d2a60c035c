using Agents.Api.Rules.Schema;

namespace Agents.Api.Rules.Translation;

/// <summary>The default translator: the schema-aware grammar, no model. Deterministic: the same text over the same
/// schema gives the same SQL.</summary>
public sealed class BuiltInTranslator(SchemaCatalog catalog) : IRuleTranslator
{
    public string Name => "built-in";

    public async Task<TranslatedQuery> TranslateAsync(string text, Func<TranslatedQuery, Task> validate, CancellationToken cancellationToken)
    {
        var schema = await catalog.GetAsync(cancellationToken);
        var query = Translate(text, schema);
        await validate(query);
        return query;
    }

    public TranslatedQuery Translate(string text, SchemaModel schema)
    {
        if (schema.Tables.Count == 0)
        {
            throw new TranslationDeclinedException("There are no tables in the allowed schemas to query.", []);
        }
        var intent = new IntentParser(new Lexicon(schema)).Parse(text);
        var (sql, parameters) = new SqlWriter(schema).Write(intent);
        return new TranslatedQuery(sql, parameters, RuleNames.From(intent), Name, Explain(intent));
    }

    private static string Explain(QueryIntent intent)
    {
        var what = intent.Aggregate switch
        {
            Aggregate.Count => $"how many {intent.Table.Name}",
            Aggregate.None => intent.Table.Name,
            var a => $"the {a.ToString().ToLowerInvariant()} of {intent.AggregateColumn!.Table.Name}.{intent.AggregateColumn.Column.Name}",
        };
        var parts = new List<string> { what };
        if (intent.Filters.Count > 0)
        {
            parts.Add("where " + string.Join(" and ", intent.Filters.Select(f =>
                $"{f.Column.Table.Name}.{f.Column.Column.Name} {(f.Dates is { } d ? d.Words : $"{f.Operator} {string.Join(", ", f.Values)}")}")));
        }
        if (intent.GroupBy is not null)
        {
            parts.Add($"for each {intent.GroupBy.Column.Name}");
        }
        if (intent.OrderBy is not null)
        {
            parts.Add($"by {intent.OrderBy.Column.Name} {(intent.Descending ? "descending" : "ascending")}");
        }
        if (intent.Limit is not null)
        {
            parts.Add($"first {intent.Limit}");
        }
        return string.Join(", ", parts);
    }
}
