using System.Diagnostics;
using System.Text.Json;
using Npgsql;

namespace Agents.Messaging;

/// <summary>A message as its sender gave it; <paramref name="TraceParent"/> is the trace of the turn it starts, when known.</summary>
public sealed record NewMessage(string ClientMessageId, string Text, string? TraceParent = null);

/// <summary>What storing a sender's messages did: a result per message in the order given, and the events appended.</summary>
public sealed record StoredMessages(IReadOnlyList<SendMessageResult> Results, IReadOnlyList<ThreadEvent> Events);

/// <summary>What a sender's messages may be, wherever they come from (the hub, <c>/ws</c>, REST).</summary>
public static class MessageLimits
{
    /// <summary>The longest message text, in characters.</summary>
    public const int MaxTextLength = 8_000;

    /// <summary>The longest client message id (the sender's key for safe retries).</summary>
    public const int MaxClientMessageIdLength = 64;

    /// <summary>The most messages stored by one call (one transaction).</summary>
    public const int MaxMessagesPerCall = 100;
}

/// <summary>
/// Stores a sender's messages in the order given, appends their events and queues the agent's run for each, all in one
/// transaction: one call of the database function <c>post_messages</c> (the Api's migration 0007), one round trip; then
/// publishes the events (<see cref="EventPublisher"/>). A retry with the same client message id finds the first one
/// (under the thread's lock) and answers with its seq. Realtime stores what its clients send with it, so a message
/// takes no hop through the Api on its way to the thread's members; the Api's REST endpoints use it too.
/// </summary>
public sealed class MessageStore(NpgsqlDataSource dataSource, EventPublisher publisher, WorkerRegistry workers)
{
    private const string Sql = """
        SELECT message_index, message_id, event_seq, event_type, event_created_at, duplicate
        FROM post_messages($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb[], $12::jsonb[])
        """;

    /// <summary>
    /// Null when the thread does not exist or <paramref name="author"/> is not a member of it. <paramref name="committed"/>
    /// (Realtime's own delivery) is handed the new events as soon as they are committed, before they are published, so
    /// this instance's connections need not wait for the stream to bring them back.
    /// </summary>
    public async Task<StoredMessages?> PostAsync(Guid threadId, string author, IReadOnlyList<NewMessage> messages, CancellationToken cancellationToken,
        Action<IReadOnlyList<ThreadEvent>>? committed = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(messages.Count, nameof(messages));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(messages.Count, MessageLimits.MaxMessagesPerCall, nameof(messages));
        // Asked before the thread's lock is taken: other senders to the thread should not wait on Redis.
        var workerAlive = await workers.AnyAliveAsync();
        var count = messages.Count;
        var messageIds = new Guid[count];
        var runIds = new Guid[count];
        var payloads = new JsonElement[count];
        for (var i = 0; i < count; i++)
        {
            messageIds[i] = Guid.CreateVersion7();
            runIds[i] = Guid.CreateVersion7();
            payloads[i] = ProtocolJson.ToElement(new UserMessagePayload(messageIds[i], author, messages[i].ClientMessageId, messages[i].Text));
        }
        // "Nobody can answer now", said (once, by the function) after the first new message, about its run: only
        // possible, so only built, while no worker is alive.
        JsonElement[] offlinePayloads = workerAlive ? [] : [.. runIds.Select(runId => ProtocolJson.ToElement(new BotStatusPayload(BotStatuses.Offline, runId)))];

        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = threadId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = author });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = workerAlive });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EventTypes.UserMessage });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EventTypes.BotStatus });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = messageIds });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = runIds });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. messages.Select(m => m.ClientMessageId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. messages.Select(m => m.Text)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. messages.Select(TraceParentOf)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. payloads.Select(p => p.GetRawText())] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. offlinePayloads.Select(p => p.GetRawText())] });

        var results = new List<SendMessageResult>(count);
        var appended = new List<ThreadEvent>(count + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var index = reader.GetInt32(0) - 1; // Postgres arrays count from 1
                var seq = reader.GetInt64(2);
                if (!reader.IsDBNull(1))
                {
                    results.Add(new SendMessageResult(threadId, reader.GetGuid(1), seq, reader.GetBoolean(5)));
                }
                if (!reader.IsDBNull(3))
                {
                    var type = reader.GetString(3);
                    var isMessage = type == EventTypes.UserMessage;
                    appended.Add(new ThreadEvent(threadId, seq, type, isMessage ? payloads[index] : offlinePayloads[index],
                        new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero)));
                    if (isMessage)
                    {
                        Activity.Current?.SetTag("agents.run.id", runIds[index]);
                    }
                }
            }
        }
        if (results.Count == 0)
        {
            return null;
        }
        Activity.Current?.SetTag("agents.thread.id", threadId);
        if (committed is not null && appended.Count > 0)
        {
            committed(appended);
        }
        await publisher.PublishAsync(appended);
        return new StoredMessages(results, appended);
    }

    /// <summary>The trace the message's run continues: the sender's own (given when the message was queued), else the current one.</summary>
    private static string? TraceParentOf(NewMessage message) =>
        message.TraceParent is { } given && ActivityContext.TryParse(given, null, out _) ? given : Activity.Current?.Id;
}
