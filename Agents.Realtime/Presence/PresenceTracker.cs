using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Agents.Realtime.Presence;

/// <summary>
/// Who is online in each thread, and how many connections each user holds, across instances. Both are Redis sorted
/// sets whose scores are expiry times: every instance refreshes its own entries, so the entries of an instance that
/// vanished fall away after <see cref="RealtimeOptions.PresenceTimeout"/>.
/// </summary>
public sealed class PresenceTracker(IConnectionMultiplexer redis, IOptions<RealtimeOptions> options, TimeProvider time)
{
    private static RedisKey ThreadKey(Guid threadId) => $"agents:presence:{threadId}";

    private static RedisKey UserKey(string userName) => $"agents:connections:{userName}";

    private static string Member(string userName, string connectionId) => $"{userName}|{connectionId}";

    private double Expiry => time.GetUtcNow().Add(options.Value.PresenceTimeout).ToUnixTimeMilliseconds();

    private double Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Counts the connection against the user's limit; false (and not counted) when the user is at the limit.</summary>
    public async Task<bool> TryAddConnectionAsync(string userName, string connectionId)
    {
        var database = redis.GetDatabase();
        await database.SortedSetRemoveRangeByScoreAsync(UserKey(userName), double.NegativeInfinity, Now);
        if (await database.SortedSetLengthAsync(UserKey(userName)) >= options.Value.MaxConnectionsPerUser)
        {
            return false;
        }
        await database.SortedSetAddAsync(UserKey(userName), connectionId, Expiry);
        await database.KeyExpireAsync(UserKey(userName), options.Value.PresenceTimeout * 2);
        return true;
    }

    public Task RemoveConnectionAsync(string userName, string connectionId) =>
        redis.GetDatabase().SortedSetRemoveAsync(UserKey(userName), connectionId);

    public async Task<IReadOnlyList<string>> JoinAsync(Guid threadId, string userName, string connectionId)
    {
        var database = redis.GetDatabase();
        await database.SortedSetAddAsync(ThreadKey(threadId), Member(userName, connectionId), Expiry);
        await database.KeyExpireAsync(ThreadKey(threadId), options.Value.PresenceTimeout * 2);
        return await OnlineAsync(threadId);
    }

    public async Task<IReadOnlyList<string>> LeaveAsync(Guid threadId, string userName, string connectionId)
    {
        await redis.GetDatabase().SortedSetRemoveAsync(ThreadKey(threadId), Member(userName, connectionId));
        return await OnlineAsync(threadId);
    }

    public async Task<IReadOnlyList<string>> OnlineAsync(Guid threadId)
    {
        var database = redis.GetDatabase();
        await database.SortedSetRemoveRangeByScoreAsync(ThreadKey(threadId), double.NegativeInfinity, Now);
        var members = await database.SortedSetRangeByRankAsync(ThreadKey(threadId));
        return [.. members.Select(m => ((string)m!).Split('|')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>Pushes back the expiry of this instance's entries, in one round trip (a batch) whatever their number.</summary>
    public async Task RefreshAsync(IEnumerable<ClientConnection> connections)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var expiry = Expiry;
        var keepFor = options.Value.PresenceTimeout * 2;
        var writes = new List<Task>();
        foreach (var connection in connections)
        {
            writes.Add(batch.SortedSetAddAsync(UserKey(connection.UserName), connection.ConnectionId, expiry));
            writes.Add(batch.KeyExpireAsync(UserKey(connection.UserName), keepFor));
            foreach (var threadId in connection.JoinedThreads.Snapshot())
            {
                writes.Add(batch.SortedSetAddAsync(ThreadKey(threadId), Member(connection.UserName, connection.ConnectionId), expiry));
                writes.Add(batch.KeyExpireAsync(ThreadKey(threadId), keepFor));
            }
        }
        batch.Execute();
        await Task.WhenAll(writes);
    }
}
