using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Agents.Bench.LoadGen;

/// <summary>
/// Wakes the sender thread at each message's intended time. The thread sleeps on the kernel's monotonic clock to that
/// very time (<c>clock_nanosleep</c>, absolute), at real-time priority where the generator may take it: a thread that
/// wakes at a lower priority waits for the receive loop on the same core to give it up, and every copy that loop reads
/// counts against the server, since latency is stamped with the intended send time. Until run 2026-12-07T2327Z the
/// thread slept to 2 ms before and then called <c>sched_yield</c> in a loop, which under the kernel's EEVDF scheduler
/// let the receive loop run on for the rest of its slice: sends went out up to 4 ms late at p99
/// (bench/realtime/README.md, "A sender on time").
/// </summary>
internal static partial class SendClock
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsoluteTime = 1;
    private const int SchedFifo = 1;
    private const int Interrupted = 4; // EINTR

    /// <summary>
    /// Gives the calling thread the lowest real-time priority (SCHED_FIFO 1): it then runs as soon as it wakes, ahead of
    /// the receive loop. Needs CAP_SYS_NICE (root); returns false where it is not allowed, and the thread keeps its place.
    /// </summary>
    public static bool TryTakeRealTimePriority()
    {
        var priority = 1;
        return SchedSetScheduler(0, SchedFifo, ref priority) == 0;
    }

    /// <summary>Sleeps until the Stopwatch timestamp (CLOCK_MONOTONIC in nanoseconds on Linux), however often interrupted.</summary>
    public static void WaitUntil(long timestamp, CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        var nanoseconds = (long)(timestamp * (1_000_000_000.0 / Stopwatch.Frequency));
        var due = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        int error;
        while ((error = ClockNanosleep(ClockMonotonic, TimerAbsoluteTime, in due, IntPtr.Zero)) == Interrupted)
        {
        }
        if (error != 0)
        {
            throw new InvalidOperationException($"clock_nanosleep failed: error {error}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // Returns the error number itself (not -1 and errno).
    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, in TimeSpec request, IntPtr remaining);

    [LibraryImport("libc", EntryPoint = "sched_setscheduler")]
    private static partial int SchedSetScheduler(int pid, int policy, ref int priority);
}
