using System.Globalization;
using System.Runtime.InteropServices;

namespace Agents.Bench.LoadGen;

/// <summary>Latencies in 0.1 ms buckets up to 60 s: cheap to record from many receive loops at once.</summary>
public sealed class LatencyHistogram
{
    private const int BucketsPerMs = 10;
    private readonly long[] _buckets = new long[60_000 * BucketsPerMs];
    private long _count;

    public void Record(double milliseconds)
    {
        var bucket = (int)Math.Clamp(milliseconds * BucketsPerMs, 0, _buckets.Length - 1);
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _count);
    }

    public long Count => Interlocked.Read(ref _count);

    public double Percentile(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= rank)
            {
                return (i + 1) / (double)BucketsPerMs;
            }
        }
        return _buckets.Length / (double)BucketsPerMs;
    }
}

/// <summary>
/// CPU time and resident memory of a server's processes (the server and what it started): which they are from /proc,
/// CPU time from each process's CPU-time clock.
/// </summary>
public sealed partial class ProcessTree(int rootPid, string serverMatch)
{
    /// <summary>CPU seconds so far by component: "server" (the process matching serverMatch), then api, postgres, redis, other.</summary>
    public Dictionary<string, double> CpuSeconds()
    {
        var result = new Dictionary<string, double>();
        foreach (var pid in Descendants())
        {
            if (ProcessCpuSeconds(pid) is not { } seconds)
            {
                continue;
            }
            var component = Classify(pid);
            result[component] = result.GetValueOrDefault(component) + seconds;
        }
        return result;
    }

    /// <summary>
    /// The CPU seconds a process has used, its exited threads included, read from its CPU-time clock to the nanosecond
    /// (clock_getcpuclockid): /proc's utime and stime count in 10 ms ticks, several percent of a step's CPU time at low rates.
    /// </summary>
    private static double? ProcessCpuSeconds(int pid)
    {
        if (clock_getcpuclockid(pid, out var clock) != 0 || clock_gettime(clock, out var time) != 0)
        {
            return null;
        }
        return time.Seconds + time.Nanoseconds / 1e9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc")]
    private static partial int clock_getcpuclockid(int pid, out int clockId);

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clockId, out TimeSpec time);

    /// <summary>
    /// Resident memory of the server process (KiB) and what it is made of (anonymous and file-backed pages, threads),
    /// from one reading of its status.
    /// </summary>
    public (long RssKb, string MakeUp) ServerMemory()
    {
        var status = File.ReadAllLines($"/proc/{ServerPid()}/status");
        string Field(string name) => status.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..].Trim() ?? "?";
        var rssKb = long.Parse(Field("VmRSS").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        return (rssKb, $"anon {Field("RssAnon")}, file {Field("RssFile")}, {Field("Threads")} threads");
    }

    public int ServerPid() => Descendants().First(p => Classify(p) == "server");

    /// <summary>The listening URL the AppHost gave the server (ASPNETCORE_URLS), for servers started by it.</summary>
    public string? ServerUrl()
    {
        var environment = File.ReadAllText($"/proc/{ServerPid()}/environ").Split('\0');
        return environment.FirstOrDefault(e => e.StartsWith("ASPNETCORE_URLS=", StringComparison.Ordinal))?["ASPNETCORE_URLS=".Length..].Split(';')[0];
    }

    private string Classify(int pid)
    {
        var command = ReadCommandLine(pid);
        return command.Contains(serverMatch, StringComparison.Ordinal) ? "server"
            : command.Contains("Agents.Api", StringComparison.Ordinal) ? "api"
            : command.Contains("postgres", StringComparison.Ordinal) ? "postgres"
            : command.Contains("redis-server", StringComparison.Ordinal) ? "redis"
            : "other";
    }

    private List<int> Descendants()
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || ReadStat(pid) is not { } stat)
            {
                continue;
            }
            var parent = int.Parse(stat[3], CultureInfo.InvariantCulture);
            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }
            list.Add(pid);
        }
        var result = new List<int> { rootPid };
        for (var i = 0; i < result.Count; i++)
        {
            result.AddRange(children.GetValueOrDefault(result[i]) ?? []);
        }
        return result;
    }

    /// <summary>The fields of /proc/pid/stat, from the state on (index 2), so the command name cannot shift them.</summary>
    private static string[]? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return ["", "", .. afterName];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }
}

public static class Machine
{
    public static double[] LoadAverage() =>
        [.. File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
}

/// <summary>
/// Keeps the generator's garbage collector out of a step's measured window. The generator allocates little while a step
/// runs (a few MB), but each step's histograms (4.8 MB each) go to the large object heap around it, and the next small
/// collection was then promoted to a full blocking one in the middle of the sends: 5-22 ms in which no copy was read
/// and no message sent, charged as latency to whichever server was measured (bench/realtime/README.md, "No collection
/// of the generator's own during a step"). Inside the window a collection happens only if the generator allocates more
/// than it asked room for; the step reports how many did and how long they stopped it.
/// </summary>
public sealed class NoCollectionWindow : IDisposable
{
    // Room for the step's allocations (a few MB at 40/s over 40 s); the runtime refuses what its heap cannot give.
    private static readonly long[] RoomBytes = [256L << 20, 64L << 20, 16L << 20];

    private readonly int _collectionsBefore = GC.CollectionCount(0);
    private readonly TimeSpan _pausedBefore = GC.GetTotalPauseDuration();

    private NoCollectionWindow()
    {
    }

    /// <summary>Opens the window (after one full collection, which makes the room); call before the first send.</summary>
    public static NoCollectionWindow Open()
    {
        foreach (var bytes in RoomBytes)
        {
            try
            {
                if (GC.TryStartNoGCRegion(bytes))
                {
                    break;
                }
            }
            catch (ArgumentOutOfRangeException)
            {
                // more than this runtime allows: try less
            }
        }
        return new NoCollectionWindow();
    }

    /// <summary>Collections of the generator since the window opened (0 unless it ran out of room).</summary>
    public int Collections => GC.CollectionCount(0) - _collectionsBefore;

    /// <summary>How long those collections stopped the generator, in ms.</summary>
    public double PausedMs => Math.Round((GC.GetTotalPauseDuration() - _pausedBefore).TotalMilliseconds, 1);

    public void Dispose()
    {
        if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
        {
            GC.EndNoGCRegion();
        }
    }
}
