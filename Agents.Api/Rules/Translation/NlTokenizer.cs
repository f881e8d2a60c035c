using System.Globalization;
using System.Text.RegularExpressions;

namespace Agents.Api.Rules.Translation;

public enum NlTokenKind
{
    Word,
    Number,
    Date,
    Quoted,
    Symbol,
}

/// <summary>A word of a rule (lower case), a number, a date, a quoted value (as written) or a comparison symbol.</summary>
public sealed record NlToken(NlTokenKind Kind, string Text)
{
    public decimal Number => decimal.Parse(Text, CultureInfo.InvariantCulture);
}

public static partial class NlTokenizer
{
    public static List<NlToken> Tokenize(string text)
    {
        var tokens = new List<NlToken>();
        foreach (Match m in TokenPattern().Matches(text))
        {
            if (m.Groups["quoted"].Success)
            {
                tokens.Add(new(NlTokenKind.Quoted, m.Groups["quoted"].Value));
            }
            else if (m.Groups["dquoted"].Success)
            {
                tokens.Add(new(NlTokenKind.Quoted, m.Groups["dquoted"].Value));
            }
            else if (m.Groups["date"].Success)
            {
                tokens.Add(new(NlTokenKind.Date, m.Value));
            }
            else if (m.Groups["number"].Success)
            {
                tokens.Add(new(NlTokenKind.Number, m.Value.Replace(",", "", StringComparison.Ordinal)));
            }
            else if (m.Groups["symbol"].Success)
            {
                tokens.Add(new(NlTokenKind.Symbol, m.Value));
            }
            else
            {
                // snake_case and hyphenated words are read as separate words, as the lexicon is.
                foreach (var part in m.Value.ToLowerInvariant().Split(['_', '-'], StringSplitOptions.RemoveEmptyEntries))
                {
                    tokens.Add(new(NlTokenKind.Word, part.Replace("'", "", StringComparison.Ordinal)));
                }
            }
        }
        return tokens;
    }

    [GeneratedRegex("""'(?<quoted>[^']*)'|"(?<dquoted>[^"]*)"|(?<date>\b\d{4}-\d{2}-\d{2}\b)|(?<number>\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b|\b\d+(?:\.\d+)?\b)|(?<symbol>>=|<=|!=|<>|=|>|<|,)|[\p{L}\p{N}_'-]+""")]
    private static partial Regex TokenPattern();
}
