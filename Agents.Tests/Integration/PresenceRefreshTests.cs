using Agents.Realtime.Hub;
using Agents.Realtime.Limits;
using Agents.Realtime.Presence;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.Integration;

/// <summary>
/// The presence heartbeat's refresh against a real Redis: what it pushes back.
/// </summary>
public sealed class PresenceRefreshTests(RedisServer server) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task ARefreshPushesBackEveryEntryOfTheConnectionsGivenAndNoOther()
    {
        var tracker = new PresenceTracker(server.Redis, Microsoft.Extensions.Options.Options.Create(new RealtimeOptions { PresenceTimeout = Timeout }), _time);
        var (thread, other) = (Guid.NewGuid(), Guid.NewGuid());
        var (ann, bob, cat) = (Name("ann"), Name("bob"), Name("cat"));
        ClientConnection[] connections = [Connection(ann, "a1"), Connection(ann, "a2"), Connection(ann, "a3"), Connection(bob, "b1"), Connection(bob, "b2"), Connection(cat, "c1")];
        foreach (var connection in connections)
        {
            Assert.True(await tracker.TryAddConnectionAsync(connection.UserName, connection.ConnectionId));
            await tracker.JoinAsync(thread, connection.UserName, connection.ConnectionId);
            connection.JoinedThreads.Add(thread);
        }
        await tracker.JoinAsync(other, ann, "a1");
        connections[0].JoinedThreads.Add(other);
        var joinedAt = Expiry();

        _time.Advance(TimeSpan.FromSeconds(20));
        var leftOut = connections[4];
        await tracker.RefreshAsync(connections.Where(c => c != leftOut));

        var database = server.Redis.GetDatabase();
        foreach (var connection in connections)
        {
            var expected = connection == leftOut ? joinedAt : Expiry();
            Assert.Equal(expected, await database.SortedSetScoreAsync($"agents:presence:{thread}", $"{connection.UserName}|{connection.ConnectionId}"));
            Assert.Equal(expected, await database.SortedSetScoreAsync($"agents:connections:{connection.UserName}", connection.ConnectionId));
        }
        Assert.Equal(Expiry(), await database.SortedSetScoreAsync($"agents:presence:{other}", $"{ann}|a1"));
        foreach (var key in new[] { $"agents:presence:{thread}", $"agents:presence:{other}", $"agents:connections:{ann}", $"agents:connections:{cat}" })
        {
            Assert.InRange((await database.KeyTimeToLiveAsync(key))!.Value, Timeout * 2 - TimeSpan.FromSeconds(5), Timeout * 2);
        }
    }

    private double Expiry() => _time.GetUtcNow().Add(Timeout).ToUnixTimeMilliseconds();

    private static string Name(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..16];

    private static ClientConnection Connection(string userName, string connectionId) => new(connectionId, userName, "token", new NoEvents());
}
