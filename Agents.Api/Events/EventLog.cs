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
        var append = new EventAppend(threadId, [(type, ProtocolJson.ToElement(payload))]);
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { append.Command } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return (await append.ReadAsync(reader, cancellationToken))[0];
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

/// <summary>
/// Events appended to a thread's log by one statement, in the order given, to run in a batch (<see cref="Command"/>)
/// whose transaction is the caller's, or the batch's own; <see cref="ReadAsync"/> reads back what the log gave them.
/// </summary>
internal sealed class EventAppend
{
    private const string Sql = """
        WITH next AS (
            UPDATE threads SET last_seq = last_seq + cardinality($2::text[]) WHERE id = $1 RETURNING last_seq
        )
        INSERT INTO thread_events (thread_id, seq, type, payload)
        SELECT $1, next.last_seq - cardinality($2::text[]) + e.position, e.type, e.payload::jsonb
        FROM next, unnest($2::text[], $3::text[]) WITH ORDINALITY AS e(type, payload, position)
        RETURNING seq, created_at
        """;

    private readonly Guid _threadId;
    private readonly (string Type, JsonElement Payload)[] _events;

    public EventAppend(Guid threadId, (string Type, JsonElement Payload)[] events)
    {
        ArgumentOutOfRangeException.ThrowIfZero(events.Length, nameof(events));
        _threadId = threadId;
        _events = events;
        Command = new NpgsqlBatchCommand(Sql)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = threadId },
                new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Type)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Payload.GetRawText())] },
            },
        };
    }

    public NpgsqlBatchCommand Command { get; }

    /// <summary>Reads this command's rows; <paramref name="reader"/> must be at its result.</summary>
    public async Task<List<ThreadEvent>> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new List<(long Seq, DateTime CreatedAt)>(_events.Length);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetInt64(0), reader.GetDateTime(1)));
        }
        if (rows.Count != _events.Length)
        {
            throw new InvalidOperationException($"Thread {_threadId} does not exist: its events were not appended.");
        }
        // The seqs are consecutive in the order given; the order the rows come back in is not promised.
        rows.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return [.. rows.Select((row, i) => new ThreadEvent(_threadId, row.Seq, _events[i].Type, _events[i].Payload,
            new DateTimeOffset(row.CreatedAt, TimeSpan.Zero)))];
    }
}
