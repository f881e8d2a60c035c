namespace Agents.Api.Threads;

/// <summary>What can go wrong with a thread request, beyond validation.</summary>
public enum ThreadAccess
{
    Ok,
    NotFound,     // no such thread, or the caller is not a member (the two look alike on purpose)
    Forbidden,    // a member asked for what only the owner may do
}

/// <summary>
/// Threads and members in Postgres; every change appends to the thread's log and is published after commit. Messages are
/// stored by <see cref="MessageStore"/>.
/// </summary>
internal sealed class ThreadStore(NpgsqlDataSource dataSource, EventPublisher publisher)
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
