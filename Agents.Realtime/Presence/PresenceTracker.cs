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

    public async Task<PresenceSnapshot> JoinAsync(Guid threadId, string userName, string connectionId)
    {
        var database = redis.GetDatabase();
        await database.SortedSetAddAsync(ThreadKey(threadId), Member(userName, connectionId), Expiry);
        await database.KeyExpireAsync(ThreadKey(threadId), options.Value.PresenceTimeout * 2);
        return await OnlineAsync(threadId);
    }

    public async Task<PresenceSnapshot> LeaveAsync(Guid threadId, string userName, string connectionId)
    {
        await redis.GetDatabase().SortedSetRemoveAsync(ThreadKey(threadId), Member(userName, connectionId));
        return await OnlineAsync(threadId);
    }

    /// <summary>
    /// Who is online now and, when that differs from what was last announced for the thread (by any instance), the
    /// version to announce it under. Reading, comparing and versioning are one step in Redis, so announcements are
    /// totally ordered: whatever order they arrive in, the highest version is the latest list.
    /// </summary>
    public async Task<PresenceSnapshot> OnlineAsync(Guid threadId)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(ReadAndVersionScript,
            [ThreadKey(threadId), AnnouncedKey(threadId)],
            [Now, (long)(options.Value.PresenceTimeout * 2).TotalMilliseconds]))!;
        var version = long.Parse((string)result[0]!, System.Globalization.CultureInfo.InvariantCulture);
        var users = result.Skip(1).Select(user => (string)user!).Order(StringComparer.Ordinal).ToArray();
        return new PresenceSnapshot(users, version == 0 ? null : version);
    }

    private static RedisKey AnnouncedKey(Guid threadId) => $"agents:presence-announced:{threadId}";

    /// <summary>
    /// Drops expired entries, lists the distinct users, and compares them with the thread's last announcement: the
    /// same, version 0 (nothing to announce); different, a new version (Redis' clock in microseconds, and always above
    /// the previous one, so it keeps rising even after the announcement's key has expired) recorded with the list.
    /// </summary>
    private const string ReadAndVersionScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        local seen, users = {}, {}
        for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          local user = string.match(member, '^[^|]*')
          if not seen[user] then seen[user] = true; table.insert(users, user) end
        end
        table.sort(users)
        local list = table.concat(users, '\n')
        local last = redis.call('HMGET', KEYS[2], 'users', 'version')
        local version = '0'
        if last[1] ~= list then
          local now = redis.call('TIME')
          local rising = tonumber(now[1]) * 1000000 + tonumber(now[2])
          local previous = tonumber(last[2])
          if previous and rising <= previous then rising = previous + 1 end
          version = string.format('%.0f', rising)
          redis.call('HSET', KEYS[2], 'users', list, 'version', version)
        end
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        table.insert(users, 1, version)
        return users
        """;

    /// <summary>
    /// Pushes back the expiry of these connections' entries, in one round trip (a batch) whatever their number, with
    /// one ZADD and one PEXPIRE per key: a thread's members and a user's connections go together (1,000 connections of
    /// 50 users in one thread were 4,000 commands, and are about 100).
    /// </summary>
    public async Task RefreshAsync(IEnumerable<ClientConnection> connections)
    {
        var expiry = Expiry;
        var entries = new Dictionary<RedisKey, List<SortedSetEntry>>();
        void Add(RedisKey key, RedisValue member)
        {
            if (!entries.TryGetValue(key, out var members))
            {
                entries[key] = members = [];
            }
            members.Add(new SortedSetEntry(member, expiry));
        }
        foreach (var connection in connections)
        {
            Add(UserKey(connection.UserName), connection.ConnectionId);
            foreach (var threadId in connection.JoinedThreads.Snapshot())
            {
                Add(ThreadKey(threadId), Member(connection.UserName, connection.ConnectionId));
            }
        }
        var batch = redis.GetDatabase().CreateBatch();
        var keepFor = options.Value.PresenceTimeout * 2;
        var writes = new List<Task>(entries.Count * 2);
        foreach (var (key, members) in entries)
        {
            writes.Add(batch.SortedSetAddAsync(key, [.. members]));
            writes.Add(batch.KeyExpireAsync(key, keepFor));
        }
        batch.Execute();
        await Task.WhenAll(writes);
    }
}

/// <summary>Who is online in a thread; <see cref="AnnounceVersion"/> is set when members must be told (the list changed).</summary>
public sealed record PresenceSnapshot(IReadOnlyList<string> Users, long? AnnounceVersion);
