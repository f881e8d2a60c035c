using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Agents.Bench.LoadGen;

/// <summary>
/// The generator's one receive thread: every connection's socket in one epoll set, read when it is readable. Until run
/// 2026-12-05T0924Z each connection was a ClientWebSocket whose receives completed on .NET's socket engine: about 9 µs
/// of the generator's core per copy received, so 1,000 copies took it 10-13 ms however fast a server sent them (see
/// bench/realtime/README.md, "An instrument that keeps up"). Here a copy costs one recv and a frame parse. Once woken,
/// the thread polls (epoll_wait with no timeout) until nothing has come for <see cref="SpinMicroseconds"/> before it
/// sleeps again. On loopback the receiver's wake-up is run and paid for by the sending core, so a reader that slept
/// between the copies of one fan-out charged every server a wake-up per copy, and ours only when the reader had caught
/// up with it, which made our fan-outs' time bimodal (bench/realtime/README.md, "A reader that stays awake through a
/// fan-out").
/// </summary>
public static partial class ReceiveLoop
{
    private const int EpollIn = 0x001;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;

    private static readonly ConcurrentDictionary<long, Connection> Registered = new();
    private static readonly Lazy<int> Epoll = new(Start);
    private static long _nextId;

    /// <summary>How long the thread stays awake after the last copy it read (the turn's <c>--receive-spin-us</c>); 0 sleeps as soon as nothing is ready. Set before the first <see cref="Add"/>.</summary>
    public static int SpinMicroseconds { get; set; }

    /// <summary>Watches <paramref name="connection"/>'s socket; returns the id to <see cref="Remove"/> it with.</summary>
    public static long Add(Connection connection, nint fd)
    {
        var id = Interlocked.Increment(ref _nextId);
        Registered[id] = connection;
        var watch = new EpollEvent { Events = EpollIn, Data = (ulong)id };
        if (epoll_ctl(Epoll.Value, EpollCtlAdd, (int)fd, ref watch) != 0)
        {
            Registered.TryRemove(id, out _);
            throw new IOException($"epoll_ctl ADD failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return id;
    }

    /// <summary>Stops watching a socket (before it is closed). An event already taken for it finds its socket closed.</summary>
    public static void Remove(long id, nint fd)
    {
        if (Registered.TryRemove(id, out _))
        {
            var none = new EpollEvent();
            epoll_ctl(Epoll.Value, EpollCtlDel, (int)fd, ref none);
        }
    }

    private static int Start()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            // struct epoll_event is packed (12 bytes) on x86-64 only.
            throw new PlatformNotSupportedException("The load generator's receive loop is written for x86-64 Linux.");
        }
        var epoll = epoll_create1(0);
        if (epoll < 0)
        {
            throw new IOException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        new Thread(() => Run(epoll)) { IsBackground = true, Name = "receive loop" }.Start();
        return epoll;
    }

    private static unsafe void Run(int epoll)
    {
        const int batch = 1024;
        var events = stackalloc EpollEvent[batch];
        var spinTicks = SpinMicroseconds * Stopwatch.Frequency / 1_000_000;
        while (true)
        {
            Dispatch(events, epoll_wait(epoll, events, batch, 1000));
            // Awake until nothing has come for SpinMicroseconds: a copy that arrives meanwhile wakes nobody.
            var until = Stopwatch.GetTimestamp() + spinTicks;
            while (Stopwatch.GetTimestamp() < until)
            {
                var more = epoll_wait(epoll, events, batch, 0);
                if (more > 0)
                {
                    Dispatch(events, more);
                    until = Stopwatch.GetTimestamp() + spinTicks;
                }
            }
        }
    }

    private static unsafe void Dispatch(EpollEvent* events, int ready)
    {
        for (var i = 0; i < ready; i++)
        {
            if (Registered.TryGetValue((long)events[i].Data, out var connection))
            {
                connection.OnReadable();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public int Events;
        public ulong Data;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epoll, int op, int fd, ref EpollEvent watch);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int epoll_wait(int epoll, EpollEvent* events, int maxEvents, int timeoutMs);
}
