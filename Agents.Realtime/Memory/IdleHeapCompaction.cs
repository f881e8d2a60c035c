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
            var last = GC.GetGCMemoryInfo();
            if (!policy.ShouldCompact(work.Count, last.TotalCommittedBytes, last.Index))
            {
                continue;
            }
            // The heap's committed figure is the last collection's, so the resident memory is what shows the gain.
            var residentBefore = Environment.WorkingSet;
            var started = Stopwatch.GetTimestamp();
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var pause = Stopwatch.GetElapsedTime(started);
            var compaction = GC.GetGCMemoryInfo();
            LogCompacted(pause.TotalMilliseconds, residentBefore / MiB, Environment.WorkingSet / MiB, compaction.TotalCommittedBytes / MiB);
            policy.Compacted(compaction.TotalCommittedBytes, compaction.Index);
        }
    }

    private const long MiB = 1024 * 1024;

    [LoggerMessage(Level = LogLevel.Information, Message = "Idle heap compaction: {PauseMs:F0} ms; resident memory {ResidentBeforeMiB} MiB -> {ResidentAfterMiB} MiB, GC heap committed {CommittedMiB} MiB")]
    private partial void LogCompacted(double pauseMs, long residentBeforeMiB, long residentAfterMiB, long committedMiB);
}
