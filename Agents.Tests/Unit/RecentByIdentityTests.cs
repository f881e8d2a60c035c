using Agents.Realtime.Memory;

namespace Agents.Tests.Unit;

/// <summary>
/// The cache a fan-out's connections share what was built for one object through (a frame, a serialised message): found
/// by identity, built once while among the last few, and let go after that.
/// </summary>
public sealed class RecentByIdentityTests
{
    [Fact]
    public void TheSameObjectIsBuiltOnceAndAnEqualButOtherObjectAgain()
    {
        var recent = new RecentByIdentity<Key, string>(4);
        var builds = 0;
        var key = new Key("a");

        var first = recent.GetOrAdd(key, "built", (k, prefix) => $"{prefix} {k.Name} {++builds}");
        var again = recent.GetOrAdd(key, "built", (k, prefix) => $"{prefix} {k.Name} {++builds}");
        var equalButOther = recent.GetOrAdd(new Key("a"), "built", (k, prefix) => $"{prefix} {k.Name} {++builds}");

        Assert.Equal("built a 1", first);
        Assert.Same(first, again);
        Assert.Equal("built a 2", equalButOther);
        Assert.Equal(2, builds);
    }

    [Fact]
    public void TheLastSizeObjectsAreKeptAndAnOlderOneIsBuiltAgain()
    {
        var recent = new RecentByIdentity<Key, int>(4);
        var builds = 0;
        Key[] keys = [.. Enumerable.Range(0, 5).Select(i => new Key($"k{i}"))];
        int Get(Key key) => recent.GetOrAdd(key, _ => ++builds);

        foreach (var key in keys)
        {
            Get(key);
        }
        // k1..k4 are the last four: found without a build, whatever order they are asked in.
        Assert.Equal([5, 4, 3, 2], keys[1..].Reverse().Select(Get));
        Assert.Equal(5, builds);

        // k0 was pushed out by k4: built again (and now pushes out the oldest of the rest, k1).
        Assert.Equal(6, Get(keys[0]));
        Assert.Equal(7, Get(keys[1]));
    }

    private sealed record Key(string Name);
}
