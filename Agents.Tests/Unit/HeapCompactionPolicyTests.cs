using Agents.Realtime.Memory;

namespace Agents.Tests.Unit;

/// <summary>When Realtime compacts its heap: after it grew, once no client work was done for a while, and not again until it grows anew.</summary>
public sealed class HeapCompactionPolicyTests
{
    private const long MiB = 1024 * 1024;

    // Compaction after 16 MiB of growth (or a quarter of the floor, if more), once 3 ticks in a row saw no client work.
    private static HeapCompactionPolicy Policy() => new(growth: 16 * MiB, quietTicks: 3);

    [Fact]
    public void AHeapThatGrewIsCompactedOnlyAfterThreeTicksWithoutClientWork()
    {
        var policy = Policy();
        long collection = 0;
        long work = 0;
        Assert.False(policy.ShouldCompact(work, 20 * MiB, ++collection));
        // A burst: connections open, the heap grows to 120 MiB.
        for (var committed = 40; committed <= 120; committed += 20)
        {
            Assert.False(policy.ShouldCompact(work += 1000, committed * MiB, ++collection));
        }
        // Quiet ticks: the third in a row is the one.
        Assert.False(policy.ShouldCompact(work, 120 * MiB, ++collection));
        Assert.False(policy.ShouldCompact(work, 120 * MiB, ++collection));
        Assert.True(policy.ShouldCompact(work, 120 * MiB, ++collection));
    }

    [Fact]
    public void OneRequestStartsTheQuietCountAgain()
    {
        var policy = Policy();
        long collection = 0;
        long work = 0;
        policy.ShouldCompact(work, 20 * MiB, ++collection);
        policy.ShouldCompact(work, 100 * MiB, ++collection);
        policy.ShouldCompact(work, 100 * MiB, ++collection);
        Assert.False(policy.ShouldCompact(++work, 100 * MiB, ++collection));
        Assert.False(policy.ShouldCompact(work, 100 * MiB, ++collection));
        Assert.False(policy.ShouldCompact(work, 100 * MiB, ++collection));
        Assert.True(policy.ShouldCompact(work, 100 * MiB, ++collection));
    }

    [Fact]
    public void AHeapThatDidNotGrowEnoughIsLeftAlone()
    {
        var policy = Policy();
        long collection = 0;
        policy.ShouldCompact(0, 20 * MiB, ++collection);
        for (var tick = 0; tick < 100; tick++)
        {
            Assert.False(policy.ShouldCompact(0, 35 * MiB, ++collection));
        }
    }

    [Fact]
    public void AfterACompactionTheFloorIsTheHeapAsTheNextCollectionFindsIt()
    {
        var policy = Policy();
        long collection = 0;
        policy.ShouldCompact(0, 20 * MiB, ++collection);
        policy.ShouldCompact(0, 300 * MiB, ++collection);
        policy.ShouldCompact(0, 300 * MiB, ++collection);
        Assert.True(policy.ShouldCompact(0, 300 * MiB, ++collection));
        policy.Compacted(120 * MiB, ++collection); // it left 120 MiB, allocation budgets included

        // Until the next collection the figure is the compaction's own.
        Assert.False(policy.ShouldCompact(0, 120 * MiB, collection));
        // The first collection after it finds the budgets committed again: 160 MiB is the heap running, not growth.
        for (var tick = 0; tick < 10; tick++)
        {
            Assert.False(policy.ShouldCompact(0, 160 * MiB, ++collection));
        }
        // Growth past a quarter of that (quiet already counted): compact again.
        Assert.False(policy.ShouldCompact(0, 199 * MiB, ++collection));
        Assert.True(policy.ShouldCompact(0, 200 * MiB, ++collection));
    }

    [Fact]
    public void AnIdleServerIsNotCompactedAgainForTheRegrowthOfItsAllocationBudgets()
    {
        var policy = Policy();
        long collection = 0;
        policy.ShouldCompact(0, 50 * MiB, ++collection);
        for (var tick = 0; tick < 3; tick++)
        {
            policy.ShouldCompact(0, 90 * MiB, ++collection);
        }
        policy.Compacted(50 * MiB, ++collection);

        // Idle for ten minutes: keep-alives allocate, every collection finds the budgets (20 MiB) committed again.
        for (var tick = 0; tick < 600; tick++)
        {
            Assert.False(policy.ShouldCompact(0, 70 * MiB, tick % 5 == 0 ? ++collection : collection));
        }
    }

    [Fact]
    public void ABurstBeforeTheNextCollectionIsMeasuredFromWhatTheCompactionLeft()
    {
        var policy = Policy();
        long collection = 0;
        long work = 0;
        policy.ShouldCompact(work, 20 * MiB, ++collection);
        for (var tick = 0; tick < 3; tick++)
        {
            policy.ShouldCompact(work, 60 * MiB, ++collection);
        }
        policy.Compacted(40 * MiB, ++collection);

        // Connections open before the GC runs again: its figure is the burst's, not the idle heap's.
        Assert.False(policy.ShouldCompact(work += 1000, 60 * MiB, ++collection));
        Assert.False(policy.ShouldCompact(work += 1000, 70 * MiB, ++collection));
        // Quiet again: 30 MiB past what the compaction left is growth.
        Assert.False(policy.ShouldCompact(work, 70 * MiB, collection));
        Assert.False(policy.ShouldCompact(work, 70 * MiB, collection));
        Assert.True(policy.ShouldCompact(work, 70 * MiB, collection));
    }
}
