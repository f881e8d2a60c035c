using System.Globalization;

namespace Agents.Api.Rules.Translation;

/// <summary>
/// Reads a rule's tokens into items, longest match first at each position: dates ("last 30 days", "since 2025-01-01"),
/// then grammar keywords or schema phrases (whichever is longer), literals, and plain words.
/// </summary>
internal static class ItemReader
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["day"] = "day", ["days"] = "day", ["week"] = "week", ["weeks"] = "week", ["month"] = "month", ["months"] = "month",
        ["year"] = "year", ["years"] = "year", ["quarter"] = "quarter", ["quarters"] = "quarter",
    };

    public static List<Item> Read(List<NlToken> tokens, Lexicon lexicon)
    {
        var items = new List<Item>();
        var i = 0;
        while (i < tokens.Count)
        {
            if (TryDate(tokens, i, out var date, out var used))
            {
                items.Add(date);
                i += used;
                continue;
            }
            var token = tokens[i];
            if (token.Kind is NlTokenKind.Number)
            {
                items.Add(new LiteralItem(token.Number, token.Text));
                i++;
                continue;
            }
            if (token.Kind is NlTokenKind.Quoted)
            {
                items.Add(new LiteralItem(token.Text, token.Text));
                i++;
                continue;
            }
            if (token.Kind is NlTokenKind.Date)
            {
                items.Add(new LiteralItem(ParseDate(token.Text), token.Text));
                i++;
                continue;
            }

            var (keyword, keywordLength) = MatchKeyword(tokens, i);
            var (meanings, phraseLength) = MatchPhrase(tokens, i, lexicon);
            if (phraseLength > keywordLength)
            {
                items.Add(new PhraseItem(meanings, Join(tokens, i, phraseLength)));
                i += phraseLength;
            }
            else if (keywordLength > 0)
            {
                var alternatives = phraseLength == keywordLength ? meanings : [];
                items.Add(new KeywordItem(keyword!, Join(tokens, i, keywordLength), alternatives));
                i += keywordLength;
            }
            else
            {
                items.Add(new WordItem(token.Text, Vocabulary.StopWords.Contains(token.Text)));
                i++;
            }
        }
        return items;
    }

    private static (string? Keyword, int Length) MatchKeyword(List<NlToken> tokens, int start)
    {
        foreach (var (words, keyword) in Vocabulary.Keywords)
        {
            if (start + words.Length > tokens.Count)
            {
                continue;
            }
            var matches = true;
            for (var k = 0; k < words.Length && matches; k++)
            {
                var token = tokens[start + k];
                matches = token.Kind is NlTokenKind.Word or NlTokenKind.Symbol && token.Text == words[k];
            }
            if (matches)
            {
                return (keyword, words.Length);
            }
        }
        return (null, 0);
    }

    private static (IReadOnlyList<Meaning> Meanings, int Length) MatchPhrase(List<NlToken> tokens, int start, Lexicon lexicon)
    {
        for (var length = Math.Min(lexicon.MaxPhraseWords, tokens.Count - start); length > 0; length--)
        {
            if (tokens.Skip(start).Take(length).Any(t => t.Kind != NlTokenKind.Word))
            {
                continue;
            }
            var meanings = lexicon.Lookup(Join(tokens, start, length));
            if (meanings.Count > 0)
            {
                return (meanings, length);
            }
        }
        return ([], 0);
    }

    private static bool TryDate(List<NlToken> tokens, int i, out DateItem item, out int used)
    {
        item = null!;
        used = 0;
        string Word(int k) => i + k < tokens.Count && tokens[i + k].Kind == NlTokenKind.Word ? tokens[i + k].Text : "";
        var skip = 0;
        // "in the last 30 days", "during the past week", "within the last 2 months", "over the last year"
        if (Word(0) is "in" or "during" or "within" or "over" && Word(1) is "the" && Word(2) is "last" or "past" or "previous")
        {
            skip = 2;
        }
        else if (Word(0) is "in" or "during" or "within" && Word(1) is "last" or "past")
        {
            skip = 1;
        }
        var w0 = Word(skip);
        var w1 = Word(skip + 1);
        string? from = null, to = null;
        var fromInclusive = true;
        int length;
        switch (w0)
        {
            case "today":
                (from, length) = ("date_trunc('day', now())", 1);
                break;
            case "yesterday":
                (from, to, length) = ("date_trunc('day', now()) - interval '1 day'", "date_trunc('day', now())", 1);
                break;
            case "this" or "current" when Units.TryGetValue(w1, out var unit):
                (from, length) = ($"date_trunc('{unit}', now())", 2);
                break;
            case "last" or "past" or "previous" when i + skip + 2 < tokens.Count && tokens[i + skip + 1].Kind == NlTokenKind.Number
                                                    && Units.TryGetValue(Word(skip + 2), out var unit):
                var n = (int)Math.Min(tokens[i + skip + 1].Number, 100_000);
                (from, length) = ($"now() - interval '{n} {unit}s'", 3);
                break;
            case "last" or "past" or "previous" when Units.TryGetValue(w1, out var unit) && skip == 0 && w0 == "last":
                (from, to, length) = ($"date_trunc('{unit}', now()) - interval '1 {unit}'", $"date_trunc('{unit}', now())", 2);
                break;
            case "past" or "last" or "previous" when Units.TryGetValue(w1, out var unit):
                (from, length) = ($"now() - interval '1 {unit}'", 2);
                break;
            case "since" or "after" or "from" or "before" or "until" when i + skip + 1 < tokens.Count && tokens[i + skip + 1].Kind == NlTokenKind.Date:
                var date = ParseDate(tokens[i + skip + 1].Text);
                var literal = $"'{date:yyyy-MM-dd}'";
                if (w0 is "before" or "until")
                {
                    to = literal;
                }
                else
                {
                    from = literal;
                    fromInclusive = w0 != "after";
                }
                length = 2;
                break;
            case "in" or "during" when i + 1 < tokens.Count && tokens[i + 1].Kind == NlTokenKind.Number
                                       && tokens[i + 1].Number is >= 1900 and <= 2200 and var year && decimal.IsInteger(year):
                (from, to, length) = ($"'{(int)year}-01-01'", $"'{(int)year + 1}-01-01'", 2);
                break;
            default:
                return false;
        }
        used = skip + length;
        item = new DateItem(new DateRange(from, to, Join(tokens, i, used)) { FromInclusive = fromInclusive }, Join(tokens, i, used));
        return true;
    }

    private static DateOnly ParseDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new TranslationDeclinedException($"'{text}' is not a date (use YYYY-MM-DD).", []);

    private static string Join(List<NlToken> tokens, int start, int length) =>
        string.Join(' ', tokens.Skip(start).Take(length).Select(t => t.Text));
}
