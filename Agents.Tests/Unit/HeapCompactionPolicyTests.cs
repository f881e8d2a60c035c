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
        long work = 0;
        Assert.False(policy.ShouldCompact(work, 20 * MiB));
        // A burst: connections open, the heap grows to 120 MiB.
        for (var committed = 40; committed <= 120; committed += 20)
        {
            Assert.False(policy.ShouldCompact(work += 1000, committed * MiB));
        }
        // Quiet ticks: the third in a row is the one.
        Assert.False(policy.ShouldCompact(work, 120 * MiB));
        Assert.False(policy.ShouldCompact(work, 120 * MiB));
        Assert.True(policy.ShouldCompact(work, 120 * MiB));
    }

    [Fact]
    public void OneRequestStartsTheQuietCountAgain()
    {
        var policy = Policy();
        long work = 0;
        policy.ShouldCompact(work, 20 * MiB);
        policy.ShouldCompact(work, 100 * MiB);
        policy.ShouldCompact(work, 100 * MiB);
        Assert.False(policy.ShouldCompact(++work, 100 * MiB));
        Assert.False(policy.ShouldCompact(work, 100 * MiB));
        Assert.False(policy.ShouldCompact(work, 100 * MiB));
        Assert.True(policy.ShouldCompact(work, 100 * MiB));
    }

    [Fact]
    public void AHeapThatDidNotGrowEnoughIsLeftAlone()
    {
        var policy = Policy();
        policy.ShouldCompact(0, 20 * MiB);
        for (var tick = 0; tick < 100; tick++)
        {
            Assert.False(policy.ShouldCompact(0, 35 * MiB));
        }
    }

    [Fact]
    public void AfterACompactionOnlyGrowthBeyondAQuarterOfWhatItLeftCounts()
    {
        var policy = Policy();
        policy.ShouldCompact(0, 20 * MiB);
        policy.ShouldCompact(0, 300 * MiB);
        policy.ShouldCompact(0, 300 * MiB);
        Assert.True(policy.ShouldCompact(0, 300 * MiB));
        policy.Compacted(200 * MiB);

        // Idle regrowth (allocation budgets committed again, garbage promoted by keep-alives) up to a quarter: no pause.
        for (var tick = 0; tick < 10; tick++)
        {
            Assert.False(policy.ShouldCompact(0, 249 * MiB));
        }
        // Past it, quiet already counted: compact again.
        Assert.True(policy.ShouldCompact(0, 250 * MiB));
    }
}
