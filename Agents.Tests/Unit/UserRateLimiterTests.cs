using Agents.Realtime.Limits;
using Agents.Realtime.Memory;
using Microsoft.Extensions.Options;

namespace Agents.Tests.Unit;

/// <summary>
/// What counts as client work (which keeps idle heap compaction waiting), what the per-user buckets allow, and that they
/// refill and are dropped with no timer.
/// </summary>
public sealed class UserRateLimiterTests
{
    [Fact]
    public void KeepAlivesAreLimitedButAreNotClientWork()
    {
        var work = new ClientWork();
        using var limiter = new UserRateLimiter(Options.Create(new RealtimeOptions { RequestsPerSecond = 2 }), work);

        limiter.Acquire("alice", isMessage: false, isKeepAlive: true);
        limiter.Acquire("alice", isMessage: false, isKeepAlive: true);
        Assert.Equal(0, work.Count);

        limiter.Acquire("alice", isMessage: false);
        Assert.Equal(1, work.Count);
        limiter.Acquire("alice", isMessage: true);
        Assert.Equal(2, work.Count);

        // The request bucket holds twice the rate (4): two keep-alives and one request used three of them.
        limiter.Acquire("alice", isMessage: false, isKeepAlive: true);
        var refused = Assert.Throws<Agents.Realtime.Hub.HubOperationException>(() => limiter.Acquire("alice", isMessage: false, isKeepAlive: true));
        Assert.Equal(Agents.Protocol.ErrorCodes.RateLimited, refused.Code);
    }

    [Fact]
    public void ABucketRefillsWithTimeWithoutATimer()
    {
        using var limiter = new UserRateLimiter(Options.Create(new RealtimeOptions { MessagesPerSecond = 10, MessageBurst = 1 }), new ClientWork());

        limiter.Acquire("alice", isMessage: true);
        Assert.Throws<Agents.Realtime.Hub.HubOperationException>(() => limiter.Acquire("alice", isMessage: true));

        Thread.Sleep(250); // a token is worth 100 ms at 10 a second
        limiter.Acquire("alice", isMessage: true);
    }

    [Fact]
    public void FullBucketsAreDroppedAndTheOthersKept()
    {
        using var limiter = new UserRateLimiter(Options.Create(new RealtimeOptions { MessagesPerSecond = 10, MessageBurst = 1 }), new ClientWork(), sweepEveryMs: 0);

        limiter.Acquire("alice", isMessage: true);
        limiter.Acquire("bob", isMessage: true); // sweeps: alice's bucket is empty, so it stays
        Assert.Equal(2, limiter.TrackedUsers);
        Assert.Throws<Agents.Realtime.Hub.HubOperationException>(() => limiter.Acquire("alice", isMessage: true));

        Thread.Sleep(250); // both buckets full again
        limiter.Acquire("carol", isMessage: true); // sweeps them away: a full bucket is what a new one would be
        Assert.Equal(1, limiter.TrackedUsers);
        limiter.Acquire("alice", isMessage: true);
        Assert.Equal(2, limiter.TrackedUsers);
    }
}
