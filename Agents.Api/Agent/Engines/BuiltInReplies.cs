namespace Agents.Api.Agent.Engines;

/// <summary>
/// The built-in engine's first words: deterministic replies that need no model. The agent issue replaces this with
/// goals, plans and tools behind the same run.
/// </summary>
public static class BuiltInReplies
{
    public const string Model = "built-in";

    private const string Help = """
        I'm the built-in agent: I run without a language model.
        - Say **help** to see this again.
        - Everything said in this thread is kept in order; people who join later see all of it.
        - Give me a goal and I plan it, then run it step by step (risky steps wait for your approval):
          "check disk space", "system report", "run uname -a", "wait 5 seconds", "summarise this thread".
        - Ask about the data: "how many orders per status", "top 5 products by price", "customers from France".
        - Make a rule (SQL kept as a materialized view): "run find all patterns where kind equals pattern",
          "rule big_orders: orders where total is over 500"; "list rules", "refresh rule <name>".
        """;

    private static readonly string[] Greetings = ["hi", "hello", "hey", "good morning", "good afternoon", "good evening"];

    public static string ReplyTo(string text, string author)
    {
        var said = text.Trim().TrimEnd('!', '.', '?').ToLowerInvariant();
        if (said is "help" or "/help" or "?" || said.StartsWith("help ", StringComparison.Ordinal))
        {
            return Help;
        }
        if (Greetings.Contains(said))
        {
            return $"Hello {author}! Say **help** to see what I can do.";
        }
        var quoted = text.Length > 200 ? string.Concat(text.AsSpan(0, 200), "…") : text;
        return $"Noted, {author}: “{quoted}”. Say **help** to see what I can do.";
    }
}
