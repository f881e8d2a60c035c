using Agents.Realtime.Limits;
using Agents.Realtime.Memory;
using Microsoft.Extensions.Options;

namespace Agents.Tests.Unit;

/// <summary>What counts as client work (which keeps idle heap compaction waiting) and what the per-user buckets allow.</summary>
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
}
