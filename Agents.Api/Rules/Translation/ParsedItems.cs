namespace Agents.Api.Rules.Translation;

/// <summary>A piece of a rule after the words were looked up: a grammar keyword, a literal, a schema phrase, a date
/// range, or a word nobody knows.</summary>
internal abstract record Item(string Text);

/// <summary>A grammar keyword; <see cref="Alternatives"/> are the schema meanings of the same words ("total" is also a column).</summary>
internal sealed record KeywordItem(string Keyword, string Text, IReadOnlyList<Meaning> Alternatives) : Item(Text);

internal sealed record LiteralItem(object Value, string Text) : Item(Text);

internal sealed record PhraseItem(IReadOnlyList<Meaning> Meanings, string Text) : Item(Text);

internal sealed record DateItem(DateRange Range, string Text) : Item(Text);

internal sealed record WordItem(string Text, bool IsStopWord) : Item(Text);
