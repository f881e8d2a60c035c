using System.Diagnostics;
using System.Runtime;
using Microsoft.Extensions.Options;

namespace Agents.Realtime.Memory;

/// <summary>
/// Gives the memory of a burst back to the OS once the process goes quiet (see <see cref="HeapCompactionPolicy"/>): one
/// blocking, compacting, aggressive full collection, which also decommits the regions it empties.
/// </summary>
public sealed partial class IdleHeapCompaction(ClientWork work, IOptions<RealtimeOptions> options, ILogger<IdleHeapCompaction> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.CompactHeapGrowthMiB == 0)
        {
            return;
        }
        var policy = new HeapCompactionPolicy(settings.CompactHeapGrowthMiB * 1024L * 1024, settings.CompactHeapQuietSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
            if (!policy.ShouldCompact(work.Count, before))
            {
                continue;
            }
            var started = Stopwatch.GetTimestamp();
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var after = GC.GetGCMemoryInfo().TotalCommittedBytes;
            LogCompacted(before / (1024 * 1024), after / (1024 * 1024), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            policy.Compacted(after);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Idle heap compaction: GC heap committed {BeforeMiB} MiB -> {AfterMiB} MiB in {PauseMs:F0} ms")]
    private partial void LogCompacted(long beforeMiB, long afterMiB, double pauseMs);
}
