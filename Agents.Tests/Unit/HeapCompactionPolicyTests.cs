using Agents.Realtime.Memory;

namespace Agents.Tests.Unit;

/// <summary>When Realtime compacts its heap: after it grew, once the process is quiet, and not again until it grows anew.</summary>
public sealed class HeapCompactionPolicyTests
{
    private const long MiB = 1024 * 1024;

    // Compaction after 32 MiB of growth (or a quarter of the floor, if more), once 3 ticks in a row allocated under 1 MiB.
    private static HeapCompactionPolicy Policy() => new(growth: 32 * MiB, quietBytesPerTick: MiB, quietTicks: 3);

    [Fact]
    public void AHeapThatGrewIsCompactedOnlyAfterTheProcessWasQuietForLong()
    {
        var policy = Policy();
        long allocated = 0;
        Assert.False(policy.ShouldCompact(allocated, 20 * MiB));
        // A burst: 200 MiB allocated per tick while the heap grows to 120 MiB.
        for (var committed = 40; committed <= 120; committed += 20)
        {
            Assert.False(policy.ShouldCompact(allocated += 200 * MiB, committed * MiB));
        }
        // Quiet ticks: the third in a row is the one.
        Assert.False(policy.ShouldCompact(allocated += MiB / 2, 120 * MiB));
        Assert.False(policy.ShouldCompact(allocated += MiB / 2, 120 * MiB));
        Assert.True(policy.ShouldCompact(allocated += MiB / 2, 120 * MiB));
    }

    [Fact]
    public void ABusyTickStartsTheQuietCountAgain()
    {
        var policy = Policy();
        long allocated = 0;
        policy.ShouldCompact(allocated, 20 * MiB);
        policy.ShouldCompact(allocated += MiB / 2, 100 * MiB);
        policy.ShouldCompact(allocated += MiB / 2, 100 * MiB);
        Assert.False(policy.ShouldCompact(allocated += 5 * MiB, 100 * MiB));
        Assert.False(policy.ShouldCompact(allocated += MiB / 2, 100 * MiB));
        Assert.False(policy.ShouldCompact(allocated += MiB / 2, 100 * MiB));
        Assert.True(policy.ShouldCompact(allocated += MiB / 2, 100 * MiB));
    }

    [Fact]
    public void AHeapThatDidNotGrowEnoughIsLeftAlone()
    {
        var policy = Policy();
        long allocated = 0;
        policy.ShouldCompact(allocated, 20 * MiB);
        for (var tick = 0; tick < 100; tick++)
        {
            Assert.False(policy.ShouldCompact(allocated += 1024, 51 * MiB));
        }
    }

    [Fact]
    public void AfterACompactionOnlyGrowthBeyondAQuarterOfWhatItLeftCounts()
    {
        var policy = Policy();
        long allocated = 0;
        policy.ShouldCompact(allocated, 20 * MiB);
        policy.ShouldCompact(allocated += MiB / 2, 300 * MiB);
        policy.ShouldCompact(allocated += MiB / 2, 300 * MiB);
        Assert.True(policy.ShouldCompact(allocated += MiB / 2, 300 * MiB));
        policy.Compacted(allocated, 200 * MiB);

        // Idle regrowth (allocation budgets committed again, garbage promoted by the heartbeats) up to a quarter: no pause.
        for (var tick = 0; tick < 10; tick++)
        {
            Assert.False(policy.ShouldCompact(allocated += MiB / 2, 249 * MiB));
        }
        // Past it, quiet already counted: compact again.
        Assert.True(policy.ShouldCompact(allocated += MiB / 2, 250 * MiB));
    }
}
