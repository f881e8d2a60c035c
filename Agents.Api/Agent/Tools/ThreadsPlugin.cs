using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace Agents.Api.Agent.Tools;

/// <summary>The <c>threads</c> plugin: what has been said in the run's thread.</summary>
public sealed class ThreadsPlugin(NpgsqlDataSource dataSource, Guid threadId)
{
    [KernelFunction("summarize"), Description("Summarises the thread so far: who said how much, and the latest messages.")]
    public async Task<string> SummarizeAsync(CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT author, text FROM messages WHERE thread_id = @threadId ORDER BY seq
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var messages = (await connection.QueryAsync<(string Author, string Text)>(new CommandDefinition(sql, new { threadId }, cancellationToken: cancellationToken))).ToList();
        if (messages.Count == 0)
        {
            return "Nobody has said anything in this thread yet.";
        }
        var byAuthor = messages.GroupBy(m => m.Author).Select(g => $"{g.Key} ({g.Count()})");
        var latest = messages.TakeLast(3).Select(m => $"{m.Author}: {(m.Text.Length > 80 ? m.Text[..80] + "…" : m.Text)}");
        return $"{messages.Count} messages from {string.Join(", ", byAuthor)}. Latest: {string.Join(" | ", latest)}";
    }
}
