namespace Agents.Api.Threads;

/// <summary>What can go wrong with a thread request, beyond validation.</summary>
public enum ThreadAccess
{
    Ok,
    NotFound,     // no such thread, or the caller is not a member (the two look alike on purpose)
    Forbidden,    // a member asked for what only the owner may do
}

/// <summary>Threads, members and messages in Postgres; every change appends to the thread's log and is published after commit.</summary>
internal sealed class ThreadStore(NpgsqlDataSource dataSource, EventPublisher publisher, WorkerRegistry workers)
{
    public async Task<ThreadSummary> CreateAsync(string owner, string title, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string sql = """
            INSERT INTO threads (id, title, owner) VALUES (@id, @title, @owner);
            INSERT INTO thread_members (thread_id, user_name, role) VALUES (@id, @owner, 'owner');
            """;
        await connection.ExecuteAsync(new CommandDefinition(sql, new { id, title, owner }, transaction, cancellationToken: cancellationToken));
        var created = await EventLog.AppendAsync(connection, transaction, id, EventTypes.ThreadCreated, new ThreadCreatedPayload(title, owner), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await publisher.PublishAsync(created);
        return new ThreadSummary(id, title, owner, created.Seq, created.CreatedAt.UtcDateTime);
    }

    public async Task<IReadOnlyList<ThreadSummary>> ListAsync(string user, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT t.id, t.title, t.owner, t.last_seq AS lastseq, t.created_at AS createdat
            FROM threads t JOIN thread_members m ON m.thread_id = t.id
            WHERE m.user_name = @user
            ORDER BY t.created_at DESC
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<ThreadSummary>(new CommandDefinition(sql, new { user }, cancellationToken: cancellationToken))];
    }

    public async Task<ThreadDetails?> GetAsync(Guid id, string user, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await IsMemberAsync(connection, id, user, cancellationToken))
        {
            return null;
        }
        const string sql = """
            SELECT id, title, owner, last_seq AS lastseq, created_at AS createdat FROM threads WHERE id = @id;
            SELECT user_name AS username, role, joined_at AS joinedat FROM thread_members WHERE thread_id = @id ORDER BY joined_at, user_name;
            """;
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, new { id }, cancellationToken: cancellationToken));
        var thread = await results.ReadSingleAsync<ThreadSummary>();
        var members = (await results.ReadAsync<MemberDto>()).ToList();
        return new ThreadDetails(thread.Id, thread.Title, thread.Owner, thread.LastSeq, thread.CreatedAt, members);
    }

    public async Task<ThreadAccess> RenameAsync(Guid id, string user, string title, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var role = await LockForMemberAsync(connection, transaction, id, user, cancellationToken);
        if (role is null)
        {
            return ThreadAccess.NotFound;
        }
        await connection.ExecuteAsync(new CommandDefinition("UPDATE threads SET title = @title WHERE id = @id", new { id, title }, transaction, cancellationToken: cancellationToken));
        var renamed = await EventLog.AppendAsync(connection, transaction, id, EventTypes.ThreadRenamed, new ThreadRenamedPayload(title, user), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await publisher.PublishAsync(renamed);
        return ThreadAccess.Ok;
    }

    public async Task<ThreadAccess> AddMemberAsync(Guid id, string user, string newMember, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var role = await LockForMemberAsync(connection, transaction, id, user, cancellationToken);
        if (role is null)
        {
            return ThreadAccess.NotFound;
        }
        if (role != "owner")
        {
            return ThreadAccess.Forbidden;
        }
        var added = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO thread_members (thread_id, user_name, role) VALUES (@id, @newMember, 'member') ON CONFLICT DO NOTHING",
            new { id, newMember }, transaction, cancellationToken: cancellationToken));
        if (added == 0)
        {
            return ThreadAccess.Ok; // already a member: inviting twice changes nothing
        }
        var memberAdded = await EventLog.AppendAsync(connection, transaction, id, EventTypes.MemberAdded, new MemberAddedPayload(newMember, user), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await publisher.PublishAsync(memberAdded);
        return ThreadAccess.Ok;
    }

    /// <summary>
    /// Stores a user's messages in the order given, appends their events and queues the agent's run for each, all in one
    /// transaction: one call of <c>post_messages</c> (migration 0007), one round trip. A retry with the same client
    /// message id finds the first one (under the thread lock) and answers with its seq.
    /// </summary>
    public async Task<(ThreadAccess Access, IReadOnlyList<SendMessageResult>? Results)> PostMessagesAsync(
        Guid id, string user, IReadOnlyList<PostMessageRequest> messages, CancellationToken cancellationToken)
    {
        // Asked before the thread's lock is taken: other senders to the thread should not wait on Redis.
        var workerAlive = await workers.AnyAliveAsync();
        var messageIds = messages.Select(_ => Guid.CreateVersion7()).ToArray();
        var runIds = messages.Select(_ => Guid.CreateVersion7()).ToArray();
        var payloads = messages.Select((request, i) => ProtocolJson.ToElement(new UserMessagePayload(messageIds[i], user, request.ClientMessageId, request.Text))).ToArray();
        // "Nobody can answer now", said (once, by the function) after the first new message, about its run: only
        // possible, so only built, while no worker is alive.
        System.Text.Json.JsonElement[] offlinePayloads = workerAlive ? [] : [.. runIds.Select(runId => ProtocolJson.ToElement(new BotStatusPayload(BotStatuses.Offline, runId)))];
        const string sql = """
            SELECT message_index AS messageindex, message_id AS messageid, event_seq AS eventseq, event_type AS eventtype,
                   event_created_at AS eventcreatedat, duplicate
            FROM post_messages(@id, @user, @workerAlive, @messageType, @offlineType, @messageIds, @runIds, @clientMessageIds,
                               @texts, @traceParents, @payloads::jsonb[], @offlinePayloads::jsonb[])
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<PostedRow>(new CommandDefinition(sql, new
        {
            id,
            user,
            workerAlive,
            messageType = EventTypes.UserMessage,
            offlineType = EventTypes.BotStatus,
            messageIds,
            runIds,
            clientMessageIds = messages.Select(m => m.ClientMessageId).ToArray(),
            texts = messages.Select(m => m.Text).ToArray(),
            traceParents = messages.Select(TraceParentOf).ToArray(),
            payloads = payloads.Select(p => p.GetRawText()).ToArray(),
            offlinePayloads = offlinePayloads.Select(p => p.GetRawText()).ToArray(), // empty while a worker is alive: never read then
        }, cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0)
        {
            return (ThreadAccess.NotFound, null);
        }
        var results = new List<SendMessageResult>(messages.Count);
        var appended = new List<ThreadEvent>();
        foreach (var row in rows)
        {
            var index = row.MessageIndex - 1; // Postgres arrays count from 1
            if (row.MessageId is { } messageId)
            {
                results.Add(new SendMessageResult(id, messageId, row.EventSeq, row.Duplicate));
            }
            if (row.EventType is { } type)
            {
                var payload = type == EventTypes.UserMessage ? payloads[index] : offlinePayloads[index];
                appended.Add(new ThreadEvent(id, row.EventSeq, type, payload, new DateTimeOffset(row.EventCreatedAt!.Value, TimeSpan.Zero)));
                if (type == EventTypes.UserMessage)
                {
                    System.Diagnostics.Activity.Current?.SetTag("agents.run.id", runIds[index]);
                }
            }
        }
        System.Diagnostics.Activity.Current?.SetTag("agents.thread.id", id);
        await publisher.PublishAsync(appended);
        return (ThreadAccess.Ok, results);
    }

    /// <summary>The trace the message's run continues: the sender's own (given by Realtime for each queued message), else this request's.</summary>
    private static string? TraceParentOf(PostMessageRequest request) =>
        request.TraceParent is { } given && System.Diagnostics.ActivityContext.TryParse(given, null, out _)
            ? given
            : System.Diagnostics.Activity.Current?.Id;

    public async Task<ThreadEventPage?> GetEventsAsync(Guid id, string user, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await IsMemberAsync(connection, id, user, cancellationToken)
            ? await EventLog.ReadAsync(connection, id, afterSeq, limit, cancellationToken)
            : null;
    }

    private static async Task<bool> IsMemberAsync(NpgsqlConnection connection, Guid id, string user, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM thread_members WHERE thread_id = @id AND user_name = @user)",
            new { id, user }, cancellationToken: cancellationToken));

    /// <summary>Locks the thread row (writers of a thread go one at a time) and returns the caller's role, or null.</summary>
    private static Task<string?> LockForMemberAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string user, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition("""
            SELECT m.role FROM threads t JOIN thread_members m ON m.thread_id = t.id AND m.user_name = @user
            WHERE t.id = @id FOR UPDATE OF t
            """, new { id, user }, transaction, cancellationToken: cancellationToken));
}

/// <summary>A row of <c>post_messages</c>: a message (new with its event, or a retry), or an "offline" said.</summary>
internal sealed record PostedRow(int MessageIndex, Guid? MessageId, long EventSeq, string? EventType, DateTime? EventCreatedAt, bool Duplicate);
