using Agents.Api.Rules.Schema;

namespace Agents.Api.Rules.Translation;

/// <summary>What a phrase of a rule can name: a table, a column, or a known value of a column.</summary>
public abstract record Meaning(SchemaTable Table);

public sealed record TableMeaning(SchemaTable Table) : Meaning(Table);

public sealed record ColumnMeaning(SchemaTable Table, SchemaColumn Column) : Meaning(Table);

public sealed record ValueMeaning(SchemaTable Table, SchemaColumn Column, string Value) : Meaning(Table);

/// <summary>
/// The words a schema can be talked about with, built from it alone: table and column names split at underscores,
/// singular and plural, date columns without their suffix ("ordered" for ordered_at), a few general synonyms, and the
/// values of low-cardinality text columns. Nothing here knows any particular table.
/// </summary>
public sealed class Lexicon
{
    // General English synonyms: a key applies when a schema word equals it.
    private static readonly Dictionary<string, string[]> Synonyms = new(StringComparer.Ordinal)
    {
        ["customer"] = ["client", "buyer"],
        ["order"] = ["purchase"],
        ["price"] = ["cost"],
        ["total"] = ["amount"],
        ["quantity"] = ["qty"],
        ["member"] = ["patron"],
        ["author"] = ["writer"],
        ["employee"] = ["staff", "worker"],
        ["product"] = ["article"],
        ["description"] = ["summary"],
        ["category"] = ["type"],
    };

    private readonly Dictionary<string, List<Meaning>> _phrases = new(StringComparer.Ordinal);

    public Lexicon(SchemaModel schema)
    {
        Schema = schema;
        foreach (var table in schema.Tables)
        {
            foreach (var phrase in NameVariants(table.Name))
            {
                Add(phrase, new TableMeaning(table));
            }
            foreach (var column in table.Columns)
            {
                var isForeignKey = schema.ForeignKeys.Any(f => f.From == table && f.FromColumn == column.Name);
                if (!isForeignKey)
                {
                    foreach (var phrase in ColumnVariants(column.Name))
                    {
                        Add(phrase, new ColumnMeaning(table, column));
                    }
                }
                foreach (var value in column.Values)
                {
                    var words = Words(value);
                    if (words.Length is > 0 and <= 5)
                    {
                        Add(string.Join(' ', words), new ValueMeaning(table, column, value));
                    }
                }
            }
        }
        MaxPhraseWords = _phrases.Keys.Max(k => k.Count(c => c == ' ') + 1);
    }

    public SchemaModel Schema { get; }

    public int MaxPhraseWords { get; }

    public IEnumerable<string> Phrases => _phrases.Keys;

    public IReadOnlyList<Meaning> Lookup(string phrase) => _phrases.TryGetValue(phrase, out var meanings) ? meanings : [];

    private void Add(string phrase, Meaning meaning)
    {
        if (!_phrases.TryGetValue(phrase, out var list))
        {
            _phrases[phrase] = list = [];
        }
        if (!list.Contains(meaning))
        {
            list.Add(meaning);
        }
    }

    public static string[] Words(string name) =>
        name.ToLowerInvariant().Split([' ', '_', '-', '.', '/'], StringSplitOptions.RemoveEmptyEntries);

    private static IEnumerable<string> NameVariants(string name)
    {
        var words = Words(name);
        if (words.Length == 0)
        {
            yield break;
        }
        var head = words[..^1];
        var last = words[^1];
        var forms = new HashSet<string>(StringComparer.Ordinal) { last, Singular(last), Plural(Singular(last)) };
        foreach (var form in forms.ToList())
        {
            if (Synonyms.TryGetValue(Singular(form), out var alternatives))
            {
                foreach (var alternative in alternatives)
                {
                    forms.Add(alternative);
                    forms.Add(Plural(alternative));
                }
            }
        }
        foreach (var form in forms)
        {
            yield return string.Join(' ', [.. head, form]);
        }
    }

    private static IEnumerable<string> ColumnVariants(string name)
    {
        var words = Words(name);
        foreach (var variant in NameVariants(name))
        {
            yield return variant;
        }
        // ordered_at -> "ordered", published_on -> "published", birth_date -> "birth"
        if (words.Length > 1 && words[^1] is "at" or "on" or "date" or "time")
        {
            yield return string.Join(' ', words[..^1]);
            yield return string.Join(' ', words[..^1]) + " date";
        }
    }

    public static string Singular(string word) => word switch
    {
        _ when word.Length <= 3 => word,
        "people" => "person",
        "children" => "child",
        _ when word.EndsWith("ies", StringComparison.Ordinal) => word[..^3] + "y",
        _ when word.EndsWith("sses", StringComparison.Ordinal) || word.EndsWith("shes", StringComparison.Ordinal)
               || word.EndsWith("ches", StringComparison.Ordinal) || word.EndsWith("xes", StringComparison.Ordinal) => word[..^2],
        _ when word.EndsWith("ss", StringComparison.Ordinal) || word.EndsWith("us", StringComparison.Ordinal) || word.EndsWith("is", StringComparison.Ordinal) => word,
        _ when word.EndsWith('s') => word[..^1],
        _ => word,
    };

    public static string Plural(string word) => word switch
    {
        "person" => "people",
        "child" => "children",
        _ when word.EndsWith('y') && word.Length > 1 && !"aeiou".Contains(word[^2], StringComparison.Ordinal) => word[..^1] + "ies",
        _ when word.EndsWith('s') || word.EndsWith('x') || word.EndsWith("ch", StringComparison.Ordinal) || word.EndsWith("sh", StringComparison.Ordinal) => word + "es",
        _ => word + "s",
    };
}
