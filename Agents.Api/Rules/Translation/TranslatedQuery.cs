namespace Agents.Api.Rules.Translation;

/// <summary>A rule's text as SQL: positional parameters ($1, $2...) with their values, and the name derived from it.</summary>
public sealed record TranslatedQuery(string Sql, IReadOnlyList<object?> Parameters, string Name, string Translator, string Explanation);

/// <summary>The translator could not map the text; the message says what it did not understand, with names it knows.</summary>
public sealed class TranslationDeclinedException(string message, IReadOnlyList<string> suggestions) : Exception(message)
{
    public IReadOnlyList<string> Suggestions { get; } = suggestions;

    /// <summary>The message and, when there are some, the close names: what a person reads in the chat.</summary>
    public string Explanation => Suggestions.Count > 0 ? $"{Message} Did you mean: {string.Join(", ", Suggestions)}?" : Message;
}

/// <summary>Turns a rule's text into SQL over the allowed schemas; the SQL is checked and run by the executor, never trusted.</summary>
public interface IRuleTranslator
{
    string Name { get; }

    /// <summary>Translates <paramref name="text"/>; <paramref name="validate"/> runs a candidate through the safe executor
    /// and throws when the SQL fails, so a translator that can repair its output (the model) retries with the error.</summary>
    Task<TranslatedQuery> TranslateAsync(string text, Func<TranslatedQuery, Task> validate, CancellationToken cancellationToken);
}
