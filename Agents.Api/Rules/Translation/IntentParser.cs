using Agents.Api.Rules.Schema;

namespace Agents.Api.Rules.Translation;

/// <summary>
/// The built-in grammar: reads a rule's items left to right into a <see cref="QueryIntent"/>. The main table is the
/// first table named (or, if none is, the one the named columns and values belong to); columns and values of other
/// tables are reached along foreign keys. Anything it cannot place makes it decline, saying what and suggesting names.
/// </summary>
internal sealed class IntentParser(Lexicon lexicon)
{
    private readonly JoinPaths _paths = new(lexicon.Schema);

    private enum Mode
    {
        None,
        Group,
        Order,
        TopBy,
    }

    public QueryIntent Parse(string text)
    {
        var items = ItemReader.Read(NlTokenizer.Tokenize(text), lexicon);
        var table = MainTable(items);
        var mentioned = items.OfType<PhraseItem>().SelectMany(p => p.Meanings.OfType<TableMeaning>()).Select(m => m.Table).ToHashSet();
        return new Walk(this, items, new QueryIntent { Table = table }, mentioned).Run();
    }

    private SchemaTable MainTable(List<Item> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is PhraseItem phrase && phrase.Meanings.OfType<TableMeaning>().FirstOrDefault() is { } table
                && !(i > 0 && items[i - 1] is KeywordItem { Keyword: var before } && (Vocabulary.IsComparison(before) || before is "GROUP" or "ORDER")))
            {
                return table.Table;
            }
        }
        // No table named: the one most of the named columns and values belong to.
        var candidates = items.SelectMany(item => item switch
        {
            PhraseItem p => p.Meanings,
            KeywordItem k => k.Alternatives,
            _ => [],
        }).GroupBy(m => m.Table).OrderByDescending(g => g.Count()).ToList();
        if (candidates.Count == 0)
        {
            var unknown = items.OfType<WordItem>().Where(w => !w.IsStopWord).Select(w => w.Text).ToList();
            var tables = lexicon.Schema.Tables.Select(t => t.Name).ToList();
            throw new TranslationDeclinedException(
                unknown.Count > 0
                    ? $"I did not understand {string.Join(", ", unknown.Select(u => $"'{u}'"))}, so I could not tell which table this is about."
                    : "I could not tell which table this is about.",
                [.. unknown.SelectMany(u => Suggest(u, KnownNames())).Concat(tables).Distinct().Take(8)]);
        }
        if (candidates.Count > 1 && candidates[0].Count() == candidates[1].Count())
        {
            throw new TranslationDeclinedException(
                $"That could be about {candidates[0].Key.Name} or {candidates[1].Key.Name}: name the table.", [candidates[0].Key.Name, candidates[1].Key.Name]);
        }
        return candidates[0].Key;
    }

    /// <summary>Of several meanings, the one closest to the main table (its own first, then by foreign-key hops);
    /// a tie goes to a table the rule names, otherwise it is ambiguous.</summary>
    private T Closest<T>(IEnumerable<T> meanings, SchemaTable main, HashSet<SchemaTable> mentioned, string words) where T : Meaning
    {
        var ranked = meanings
            .Select(m => (Meaning: m, Distance: _paths.Distance(main, m.Table)))
            .Where(x => x.Distance is not null)
            .OrderBy(x => x.Distance).ThenByDescending(x => mentioned.Contains(x.Meaning.Table))
            .ToList();
        if (ranked.Count == 0)
        {
            throw new TranslationDeclinedException($"'{words}' belongs to a table that {main.Name} is not linked to.", [.. meanings.Select(m => m.Table.Name).Distinct()]);
        }
        if (ranked.Count > 1 && ranked[0].Distance == ranked[1].Distance && ranked[0].Meaning.Table != ranked[1].Meaning.Table
            && mentioned.Contains(ranked[0].Meaning.Table) == mentioned.Contains(ranked[1].Meaning.Table))
        {
            throw new TranslationDeclinedException(
                $"'{words}' could mean {ranked[0].Meaning.Table.Name} or {ranked[1].Meaning.Table.Name}: name the table.",
                [ranked[0].Meaning.Table.Name, ranked[1].Meaning.Table.Name]);
        }
        return ranked[0].Meaning;
    }

    /// <summary>One pass over a rule's items, with what is pending (an aggregate waiting for its column, a column
    /// waiting for its comparison, a "by" waiting for its column).</summary>
    private sealed class Walk(IntentParser parser, List<Item> items, QueryIntent intent, HashSet<SchemaTable> mentioned)
    {
        private readonly List<string> _unknown = [];
        private int _i;
        private Mode _mode;
        private Aggregate _pendingAggregate;
        private KeywordItem? _pendingAggregateWord;
        private ColumnRef? _lastColumn;
        private string? _connector;
        private bool _negateNext;

        public QueryIntent Run()
        {
            while (_i < items.Count)
            {
                var item = items[_i++];
                switch (item)
                {
                    case WordItem { IsStopWord: true }:
                        break;
                    case WordItem word:
                        _unknown.Add(word.Text);
                        break;
                    case KeywordItem { Alternatives.Count: > 0 } keyword when ReadsAsColumn(keyword):
                        OnPhrase(new PhraseItem(keyword.Alternatives, keyword.Text));
                        break;
                    case KeywordItem keyword:
                        OnKeyword(keyword);
                        break;
                    case PhraseItem phrase:
                        OnPhrase(phrase);
                        break;
                    case DateItem date:
                        OnDate(date);
                        break;
                    case LiteralItem literal:
                        OnLiteral(literal);
                        break;
                }
            }
            Finish();
            return intent;
        }

        // "total" is a keyword in "total of price" but a column in "total over 500" or "sorted by total".
        private bool ReadsAsColumn(KeywordItem keyword)
        {
            var next = _i < items.Count ? items[_i] : null;
            return _mode != Mode.None || _pendingAggregate != Aggregate.None
                || next is KeywordItem { Keyword: var k } && (Vocabulary.IsComparison(k) || k is "ASC" or "DESC" or "GROUP" or "AND" or "OR" or "COMMA")
                || next is DateItem || next is null
                || (_i >= 2 && items[_i - 2] is KeywordItem { Keyword: "FILTER" });
        }

        private void OnKeyword(KeywordItem keyword)
        {
            switch (keyword.Keyword)
            {
                case "COUNT":
                    intent.Aggregate = Aggregate.Count;
                    _pendingAggregate = Aggregate.None;
                    break;
                case "SUM" or "AVG" or "MIN" or "MAX" when PreviousIsNumber(out var n):
                    // "5 highest ..." is an ordering, not an aggregate.
                    intent.Limit = n;
                    intent.Descending = keyword.Keyword is "MAX" or "SUM";
                    _mode = Mode.Order;
                    break;
                case "SUM" or "AVG" or "MIN" or "MAX":
                    if (intent.Aggregate != Aggregate.Count)
                    {
                        _pendingAggregate = keyword.Keyword switch { "SUM" => Aggregate.Sum, "AVG" => Aggregate.Average, "MIN" => Aggregate.Min, _ => Aggregate.Max };
                        _pendingAggregateWord = keyword;
                    }
                    break;
                case "GROUP":
                    _mode = _mode is Mode.TopBy or Mode.Order ? Mode.Order : Mode.Group;
                    break;
                case "ORDER":
                    _mode = Mode.Order;
                    break;
                case "TOP" or "FIRST" or "BOTTOM":
                    intent.Limit = NextNumber() ?? 1;
                    intent.Descending = keyword.Keyword == "TOP";
                    _mode = keyword.Keyword == "FIRST" ? Mode.None : Mode.TopBy;
                    break;
                case "ASC":
                    intent.Descending = false;
                    break;
                case "DESC":
                    intent.Descending = true;
                    break;
                case "NEWEST" or "OLDEST":
                    var date = intent.Table.DefaultDateColumn ?? throw Decline($"{intent.Table.Name} has no date to tell new from old.");
                    intent.OrderBy = new ColumnRef(intent.Table, date);
                    intent.Descending = keyword.Keyword == "NEWEST";
                    intent.Limit = PreviousIsNumber(out var before) ? before : NextNumber() ?? intent.Limit;
                    _mode = Mode.TopBy;
                    break;
                case "CHEAPEST" or "PRICIEST":
                    var price = PriceColumn() ?? throw Decline($"{intent.Table.Name} has no price to compare.");
                    intent.OrderBy = price;
                    intent.Descending = keyword.Keyword == "PRICIEST";
                    intent.Limit = PreviousIsNumber(out var count) ? count : NextNumber() ?? intent.Limit;
                    _mode = Mode.TopBy;
                    break;
                case "AND" or "OR" or "COMMA":
                    _connector = keyword.Keyword;
                    break;
                case "FILTER":
                    _mode = Mode.None;
                    break;
                case "FROM":
                    ReadComparison("EQ", keyword.Text, column: null);
                    break;
                default:
                    ReadComparison(keyword.Keyword, keyword.Text, _lastColumn);
                    break;
            }
        }

        private void OnPhrase(PhraseItem phrase)
        {
            var columns = phrase.Meanings.OfType<ColumnMeaning>().Where(Reachable).ToList();
            var values = phrase.Meanings.OfType<ValueMeaning>().Where(Reachable).ToList();
            var tables = phrase.Meanings.OfType<TableMeaning>().ToList();
            if (tables.Any(t => t.Table == intent.Table) && _mode == Mode.None && _pendingAggregate == Aggregate.None && (columns.Count == 0 || NextIsNotComparison()))
            {
                if (PreviousIsNumber(out var count) && _lastColumn is null)
                {
                    intent.Limit = count; // "10 orders"
                }
                return;
            }
            switch (_mode)
            {
                case Mode.Group when columns.Count > 0:
                    intent.GroupBy = Resolve(columns, phrase.Text);
                    _mode = Mode.None;
                    return;
                case Mode.Group when tables.Count > 0:
                    intent.GroupBy = ForeignKeyTo(tables[0].Table) ?? throw Decline($"{intent.Table.Name} has no single link to {tables[0].Table.Name} to group by.");
                    _mode = Mode.None;
                    return;
                case Mode.Order or Mode.TopBy when columns.Count > 0:
                    intent.OrderBy = Resolve(columns, phrase.Text);
                    _mode = Mode.None;
                    return;
            }
            if (_pendingAggregate != Aggregate.None && columns.Count > 0)
            {
                intent.Aggregate = _pendingAggregate;
                intent.AggregateColumn = Resolve(columns, phrase.Text);
                _pendingAggregate = Aggregate.None;
                return;
            }
            if (columns.Count > 0 && !(values.Count > 0 && NextIsNotComparison()))
            {
                _lastColumn = Resolve(columns, phrase.Text);
                return;
            }
            if (values.Count > 0)
            {
                var value = parser.Closest(values, intent.Table, mentioned, phrase.Text);
                AddFilter(new ColumnRef(value.Table, value.Column), FilterOperator.Equal, [value.Value]);
                return;
            }
            // Another table named ("tickets of enterprise customers"): a hint for joins, nothing to do here.
        }

        private void OnDate(DateItem date)
        {
            var column = _lastColumn is { Column.Kind: ColumnKind.Date } named ? named
                : intent.Table.DefaultDateColumn is { } own ? new ColumnRef(intent.Table, own)
                : throw Decline($"{intent.Table.Name} has no date for '{date.Text}'.");
            AddFilter(column, FilterOperator.DateRange, [], date.Range);
            _lastColumn = null;
        }

        private void OnLiteral(LiteralItem literal)
        {
            if (literal.Value is decimal && _i < items.Count && items[_i] is PhraseItem next && next.Meanings.Any(m => m is TableMeaning)
                || literal.Value is decimal && _i < items.Count && items[_i] is KeywordItem { Keyword: "NEWEST" or "OLDEST" or "CHEAPEST" or "PRICIEST" or "SUM" or "AVG" or "MIN" or "MAX" })
            {
                return; // a count before a table or a superlative: read by them
            }
            if (_lastColumn is not null)
            {
                // "status 'paid'" without a verb: equality.
                _i--;
                ReadComparison("EQ", "=", _lastColumn);
                return;
            }
            _unknown.Add(literal.Text);
        }

        /// <summary>Reads the value(s) after a comparison and adds the filter; the column is the one just named, or the
        /// value's own column (a known value), or the main table's only measure (a number).</summary>
        private void ReadComparison(string keyword, string words, ColumnRef? column)
        {
            if (keyword is "IN" && _i < items.Count && items[_i] is PhraseItem { Meanings: var m } && column is null && !m.Any(x => x is ValueMeaning))
            {
                return; // "in the books category" reads on; "in" before a non-value is a filler
            }
            var op = keyword switch
            {
                "EQ" => FilterOperator.Equal,
                "NE" => FilterOperator.NotEqual,
                "GT" => FilterOperator.Greater,
                "GE" => FilterOperator.GreaterOrEqual,
                "LT" => FilterOperator.Less,
                "LE" => FilterOperator.LessOrEqual,
                "BETWEEN" => FilterOperator.Between,
                "IN" => FilterOperator.In,
                "NOTIN" => FilterOperator.NotIn,
                "CONTAINS" => FilterOperator.Contains,
                "STARTS" => FilterOperator.StartsWith,
                "ENDS" => FilterOperator.EndsWith,
                _ => throw Decline($"I do not know what to do with '{words}'."),
            };
            // "is not one of", "is not" followed by "in": NotIn.
            if (op == FilterOperator.NotEqual && _i < items.Count && items[_i] is KeywordItem { Keyword: "IN" })
            {
                _i++;
                op = FilterOperator.NotIn;
            }
            if (_i < items.Count && items[_i] is DateItem)
            {
                return; // "created in the last week": the date reads itself
            }
            if (column is null && op is FilterOperator.Equal or FilterOperator.NotEqual
                && (_i >= items.Count || !IsValueOf(items[_i], null)))
            {
                if (op == FilterOperator.NotEqual)
                {
                    _negateNext = true;
                }
                return; // "what is the highest stock", "which are the orders": a copula, not a comparison
            }
            var values = new List<object>();
            var first = ReadValue(ref column, words);
            if (first is null)
            {
                return;
            }
            values.Add(first);
            if (op == FilterOperator.Between)
            {
                if (_i < items.Count && items[_i] is KeywordItem { Keyword: "AND" })
                {
                    _i++;
                }
                values.Add(ReadValue(ref column, words) ?? throw Decline($"'between' needs two values: between 10 and 20."));
            }
            else if (op is FilterOperator.Equal or FilterOperator.In or FilterOperator.NotEqual or FilterOperator.NotIn)
            {
                // "is pending or paid", "in France, Spain or Kenya"
                while (_i + 1 < items.Count && items[_i] is KeywordItem { Keyword: "OR" or "COMMA" or "AND" } && IsValueOf(items[_i + 1], column))
                {
                    _i++;
                    values.Add(ReadValue(ref column, words)!);
                }
                if (values.Count > 1)
                {
                    op = op is FilterOperator.NotEqual or FilterOperator.NotIn ? FilterOperator.NotIn : FilterOperator.In;
                }
                else if (op == FilterOperator.In)
                {
                    op = FilterOperator.Equal;
                }
                else if (op == FilterOperator.NotIn)
                {
                    op = FilterOperator.NotEqual;
                }
            }
            AddFilter(column!, op, values);
            _lastColumn = null;
        }

        private bool Reachable(Meaning meaning) => parser._paths.Distance(intent.Table, meaning.Table) is not null;

        private bool IsValueOf(Item item, ColumnRef? column) => item switch
        {
            PhraseItem p => p.Meanings.OfType<ValueMeaning>().Any(v => column is null || (v.Column == column.Column && v.Table == column.Table)),
            LiteralItem => true,
            _ => false,
        };

        /// <summary>One value: a literal, a known value (which also settles the column), or free words for a text column.</summary>
        private object? ReadValue(ref ColumnRef? column, string words)
        {
            if (_i >= items.Count)
            {
                throw Decline($"'{words}' needs a value after it.");
            }
            var item = items[_i];
            switch (item)
            {
                case LiteralItem literal:
                    _i++;
                    column ??= MeasureColumn(literal) ?? throw Decline($"Which column should be compared with {literal.Text}?");
                    return Convert(literal.Value, column, literal.Text);
                case PhraseItem phrase when phrase.Meanings.OfType<ValueMeaning>().ToList() is { Count: > 0 } values:
                    _i++;
                    var target = column;
                    var own = target is null ? null : values.FirstOrDefault(v => v.Column == target.Column && v.Table == target.Table);
                    if (own is not null)
                    {
                        return own.Value;
                    }
                    if (column is null || column.Column.Values.Count > 0)
                    {
                        var value = parser.Closest(values, intent.Table, mentioned, phrase.Text);
                        column = new ColumnRef(value.Table, value.Column);
                        return value.Value;
                    }
                    return phrase.Text;
                case KeywordItem { Keyword: "NE" }:
                    return null;
                default:
                    if (column is null)
                    {
                        if (item is PhraseItem or KeywordItem)
                        {
                            return null; // e.g. "from customers ...": a hint, not a comparison
                        }
                        throw Decline($"I do not know '{item.Text}' as a value of any column.");
                    }
                    return FreeText(column);
            }
        }

        // Words up to the next connector or keyword, for a text column without a list of values ("name contains smart").
        private string FreeText(ColumnRef column)
        {
            var words = new List<string>();
            while (_i < items.Count && items[_i] is WordItem or PhraseItem or KeywordItem { Alternatives.Count: > 0 } && !(items[_i] is PhraseItem p && p.Meanings.Any(m => m is ColumnMeaning or TableMeaning) && words.Count > 0))
            {
                words.Add(items[_i++].Text);
            }
            if (words.Count == 0)
            {
                throw Decline($"{column.Column.Name} needs a value.");
            }
            return string.Join(' ', words);
        }

        private object Convert(object value, ColumnRef column, string text) => (value, column.Column.Kind) switch
        {
            (decimal number, ColumnKind.Number) => number,
            (DateOnly date, ColumnKind.Date) => date,
            (string s, ColumnKind.Number) when decimal.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
            (_, ColumnKind.Text) => KnownValue(column, text),
            (_, var kind) => throw Decline($"{column.Column.Name} is a {kind.ToString().ToLowerInvariant()} column; '{text}' does not fit it."),
        };

        // A low-cardinality column's value is matched case-insensitively and written as stored.
        private static string KnownValue(ColumnRef column, string text) =>
            column.Column.Values.FirstOrDefault(v => string.Equals(v, text, StringComparison.OrdinalIgnoreCase)) ?? text;

        private void AddFilter(ColumnRef column, FilterOperator op, List<object> values, DateRange? dates = null)
        {
            if (op is FilterOperator.Equal or FilterOperator.NotEqual or FilterOperator.In or FilterOperator.NotIn && column.Column.Values.Count > 0)
            {
                foreach (var value in values.OfType<string>())
                {
                    if (!column.Column.Values.Contains(value, StringComparer.Ordinal))
                    {
                        throw new TranslationDeclinedException(
                            $"'{value}' is not a {column.Column.Name} of {column.Table.Name}; known ones: {string.Join(", ", column.Column.Values)}.",
                            Suggest(value, column.Column.Values));
                    }
                }
            }
            if (_negateNext && op == FilterOperator.Equal)
            {
                op = FilterOperator.NotEqual; // "orders that are not ... cancelled"
            }
            _negateNext = false;
            // "pending or paid orders": two bare values of one column joined by "or" make one IN.
            if (_connector is "OR" or "COMMA" && intent.Filters.Count > 0 && intent.Filters[^1] is { Operator: FilterOperator.Equal or FilterOperator.In } previous
                && previous.Column == column && op == FilterOperator.Equal)
            {
                intent.Filters[^1] = previous with { Operator = FilterOperator.In, Values = [.. previous.Values, .. values] };
            }
            else
            {
                intent.Filters.Add(new Filter(column, op, values, dates));
            }
            _connector = null;
        }

        private void Finish()
        {
            if (_pendingAggregate != Aggregate.None)
            {
                // "total of orders": the aggregate's own word is a column of the table.
                var own = _pendingAggregateWord?.Alternatives.OfType<ColumnMeaning>().FirstOrDefault(c => c.Table == intent.Table);
                if (own is null)
                {
                    throw Decline($"'{_pendingAggregateWord?.Text}' of which column?", intent.Table.Columns.Where(c => c.Kind == ColumnKind.Number).Select(c => c.Name));
                }
                intent.Aggregate = _pendingAggregate;
                intent.AggregateColumn = new ColumnRef(intent.Table, own.Column);
            }
            if (_mode is Mode.Group or Mode.Order && intent.GroupBy is null && intent.OrderBy is null)
            {
                throw Decline("'by' what? Name a column after it.", intent.Table.Columns.Select(c => c.Name));
            }
            if (intent.Aggregate is Aggregate.Sum or Aggregate.Average && intent.AggregateColumn?.Column.Kind != ColumnKind.Number)
            {
                throw Decline($"{intent.AggregateColumn?.Column.Name} is not a number to add up or average.");
            }
            if (_unknown.Count > 0)
            {
                var unknown = string.Join(", ", _unknown.Select(u => $"'{u}'"));
                throw new TranslationDeclinedException($"I did not understand {unknown}.", _unknown.SelectMany(u => Suggest(u, parser.KnownNames())).Distinct().Take(6).ToList());
            }
        }

        private ColumnRef Resolve(List<ColumnMeaning> columns, string words)
        {
            var meaning = parser.Closest(columns, intent.Table, mentioned, words);
            return new ColumnRef(meaning.Table, meaning.Column);
        }

        private ColumnRef? ForeignKeyTo(SchemaTable target) =>
            parser._paths.DirectForeignKey(intent.Table, target) is { } fk ? new ColumnRef(intent.Table, intent.Table.Column(fk.FromColumn)!) : null;

        private ColumnRef? PriceColumn() =>
            intent.Table.Columns.FirstOrDefault(c => c.Kind == ColumnKind.Number && (c.Name.Contains("price", StringComparison.Ordinal) || c.Name.Contains("cost", StringComparison.Ordinal)))
                is { } column ? new ColumnRef(intent.Table, column) : null;

        // "orders over 500": the table's only numeric column that is not a key.
        private ColumnRef? MeasureColumn(LiteralItem literal)
        {
            if (literal.Value is not decimal)
            {
                return null;
            }
            var measures = intent.Table.Columns.Where(c => c.Kind == ColumnKind.Number && c.Name != intent.Table.PrimaryKey
                && !parser._paths.IsForeignKey(intent.Table, c.Name)).ToList();
            return measures.Count == 1 ? new ColumnRef(intent.Table, measures[0]) : null;
        }

        private bool NextIsNotComparison() =>
            _i >= items.Count || items[_i] is not KeywordItem { Keyword: var k } || !Vocabulary.IsComparison(k);

        private bool PreviousIsNumber(out int value)
        {
            for (var back = _i - 2; back >= 0; back--)
            {
                switch (items[back])
                {
                    case LiteralItem { Value: decimal n } when decimal.IsInteger(n) && n is > 0 and <= 100_000:
                        value = (int)n;
                        return true;
                    case WordItem { IsStopWord: true }:
                        continue;
                }
                break;
            }
            value = 0;
            return false;
        }

        private int? NextNumber()
        {
            if (_i < items.Count && items[_i] is LiteralItem { Value: decimal n } && decimal.IsInteger(n) && n is > 0 and <= 100_000)
            {
                _i++;
                return (int)n;
            }
            return null;
        }

        private TranslationDeclinedException Decline(string message, IEnumerable<string>? suggestions = null) =>
            new(message, suggestions?.Take(8).ToList() ?? []);
    }

    private IEnumerable<string> KnownNames() => lexicon.Phrases;

    /// <summary>Known names within a small edit distance of a word, closest first.</summary>
    internal static List<string> Suggest(string word, IEnumerable<string> known) =>
        [.. known.Select(k => (Name: k, Distance: EditDistance.Between(word, k)))
            .Where(x => x.Distance <= Math.Max(1, word.Length / 3))
            .OrderBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal)
            .Select(x => x.Name).Distinct().Take(5)];
}
