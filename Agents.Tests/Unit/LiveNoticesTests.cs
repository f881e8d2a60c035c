using Agents.Protocol;
using Agents.Realtime.Presence;

namespace Agents.Tests.Unit;

/// <summary>Of the notices taken together, a presence list is passed over when they hold a newer one for its thread, before or after it.</summary>
public sealed class LiveNoticesTests
{
    private static readonly Guid ThreadA = Guid.NewGuid();
    private static readonly Guid ThreadB = Guid.NewGuid();

    private static LiveNotice Presence(Guid thread, long version, params string[] users) =>
        new(thread, null, new PresenceEvent(thread, users), version);

    private static LiveNotice Typing(Guid thread, string user) =>
        new(thread, new TypingEvent(thread, user, true), null);

    [Fact]
    public void OnlyEachThreadsNewestListIsKeptAndEverythingElseInOrder()
    {
        var typingA = Typing(ThreadA, "bob");
        var newestA = Presence(ThreadA, 30, "alice", "bob", "carol");
        var onlyB = Presence(ThreadB, 10, "dave");
        var typingB = Typing(ThreadB, "dave");
        LiveNotice[] queued = [Presence(ThreadA, 10, "alice"), typingA, onlyB, newestA, Presence(ThreadA, 20, "alice", "bob"), typingB];

        Assert.Equal([typingA, onlyB, newestA, typingB], LiveNotices.WithoutOutdatedPresence(queued));
    }

    [Fact]
    public void NoticesAloneOrWithoutPresenceAreAllKept()
    {
        LiveNotice[] typing = [Typing(ThreadA, "bob"), Typing(ThreadA, "carol"), Typing(ThreadB, "bob")];
        Assert.Equal(typing, LiveNotices.WithoutOutdatedPresence(typing));
        var single = Presence(ThreadA, 5, "alice");
        Assert.Equal([single], LiveNotices.WithoutOutdatedPresence([single]));
        Assert.Empty(LiveNotices.WithoutOutdatedPresence([]));
    }
}
