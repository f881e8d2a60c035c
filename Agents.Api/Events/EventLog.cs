using System.Text.Json;

namespace Agents.Api.Events;

/// <summary>
/// Appends to and reads a thread's ordered log. An append bumps <c>threads.last_seq</c> under the thread's row lock in
/// the caller's transaction, so seqs are gap-free and every writer of a thread waits its turn.
/// </summary>
internal static class EventLog
{
    public static async Task<ThreadEvent> AppendAsync<TPayload>(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid threadId, string type, TPayload payload, CancellationToken cancellationToken)
    {
        const string sql = """
            WITH next AS (
                UPDATE threads SET last_seq = last_seq + 1 WHERE id = @threadId RETURNING last_seq
            )
            INSERT INTO thread_events (thread_id, seq, type, payload)
            SELECT @threadId, last_seq, @type, @payload::jsonb FROM next
            RETURNING seq, created_at
            """;
        var element = ProtocolJson.ToElement(payload);
        var row = await connection.QuerySingleAsync<(long Seq, DateTime CreatedAt)>(new CommandDefinition(sql,
            new { threadId, type, payload = element.GetRawText() }, transaction, cancellationToken: cancellationToken));
        return new ThreadEvent(threadId, row.Seq, type, element, new DateTimeOffset(row.CreatedAt, TimeSpan.Zero));
    }

    public static async Task<ThreadEventPage> ReadAsync(NpgsqlConnection connection, Guid threadId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT seq, type, payload::text AS payload, created_at
            FROM thread_events
            WHERE thread_id = @threadId AND seq > @afterSeq
            ORDER BY seq
            LIMIT @take
            """;
        var rows = (await connection.QueryAsync<(long Seq, string Type, string Payload, DateTime CreatedAt)>(new CommandDefinition(sql,
            new { threadId, afterSeq, take = limit + 1 }, cancellationToken: cancellationToken))).ToList();
        var hasMore = rows.Count > limit;
        var events = rows.Take(limit)
            .Select(r => new ThreadEvent(threadId, r.Seq, r.Type, JsonDocument.Parse(r.Payload).RootElement.Clone(), new DateTimeOffset(r.CreatedAt, TimeSpan.Zero)))
            .ToList();
        var lastSeq = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT last_seq FROM threads WHERE id = @threadId", new { threadId }, cancellationToken: cancellationToken));
        return new ThreadEventPage(threadId, events, lastSeq, hasMore);
    }
}
