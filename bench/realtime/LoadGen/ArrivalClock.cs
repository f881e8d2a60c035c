using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Agents.Bench.LoadGen;

/// <summary>
/// When a copy's bytes reached its receiver's socket, as the kernel stamped them (<c>SO_TIMESTAMPNS</c>), rather than
/// when the generator's one reader got round to them. On loopback the stamp is taken as the server's send is handed to
/// the receiving side, so it is the server's delivery time. The reader serves 1,000 receivers from one thread on a
/// shared core: a copy can wait in its socket behind the copies before it, or behind a pause of that core, time a
/// receiver on a device of its own would not spend (bench/realtime/README.md, "Arrival at the receiver's socket").
/// </summary>
public static partial class ArrivalClock
{
    private const int SolSocket = 1;
    private const int SoTimestampNs = 35; // SO_TIMESTAMPNS_OLD on x86-64; its control message is SCM_TIMESTAMPNS, a timespec
    private const int ErrnoAgain = 11;
    private const int ControlSize = 64;

    // CLOCK_REALTIME minus the Stopwatch's clock (CLOCK_MONOTONIC), in ns; read again every second by the reader.
    private static long _realtimeMinusMonotonicNs;
    private static long _offsetReadAt; // 0: not read yet (the monotonic clock is long past a second since boot)
    private static long _unstamped;

    /// <summary>Asks the kernel to stamp what arrives on <paramref name="socket"/>.</summary>
    public static void Enable(Socket socket) => socket.SetRawSocketOption(SolSocket, SoTimestampNs, BitConverter.GetBytes(1));

    /// <summary>Reads that came without a stamp (their arrival taken as the read): 0 in a sound run.</summary>
    public static long Unstamped => Volatile.Read(ref _unstamped);

    /// <summary>
    /// Checks on a loopback pair that stamps come and are read right: bytes sent, then read 20 ms later, must carry a
    /// stamp from about when they were sent. Throws otherwise, so that a run never reports read times as arrivals. The
    /// kernel turns stamping on a moment after the first socket asks for it (a deferred work item), so the first try
    /// may come back unstamped: it tries a few times.
    /// </summary>
    public static void Check()
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen();
        using var receiver = new Socket(SocketType.Stream, ProtocolType.Tcp);
        receiver.Connect(listener.LocalEndPoint!);
        using var sender = listener.Accept();
        receiver.Blocking = false;
        Enable(receiver);
        var outcome = "";
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var sent = Stopwatch.GetTimestamp();
            sender.Send("stamp"u8);
            Thread.Sleep(20);
            var received = Receive(receiver, new byte[16], out var arrived, out _);
            var afterSend = Stopwatch.GetElapsedTime(sent, arrived);
            var beforeRead = Stopwatch.GetElapsedTime(arrived);
            if (received == 5 && afterSend >= TimeSpan.Zero && afterSend <= TimeSpan.FromMilliseconds(5) && beforeRead >= TimeSpan.FromMilliseconds(15))
            {
                return;
            }
            outcome = $"{received} bytes, stamped {afterSend.TotalMilliseconds:F3} ms after the send and {beforeRead.TotalMilliseconds:F3} ms before the read";
        }
        throw new InvalidOperationException($"The kernel's arrival stamps are missing or misread: {outcome}.");
    }

    /// <summary>
    /// A non-blocking read of <paramref name="socket"/> into <paramref name="buffer"/>: the bytes read (0: closed by the
    /// peer; -1: nothing to read) and when the last of them arrived, as a <see cref="Stopwatch"/> timestamp (now, if the
    /// kernel gave no stamp). Throws <see cref="ObjectDisposedException"/> if the socket is closed.
    /// </summary>
    public static unsafe int Receive(Socket socket, Span<byte> buffer, out long arrived, out SocketError error)
    {
        var control = stackalloc byte[ControlSize];
        // Held so that the descriptor cannot be closed, and handed to another socket, during the call.
        var handle = socket.SafeHandle;
        var held = false;
        handle.DangerousAddRef(ref held);
        try
        {
            return Receive((int)handle.DangerousGetHandle(), buffer, control, out arrived, out error);
        }
        finally
        {
            if (held)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static unsafe int Receive(int fd, Span<byte> buffer, byte* control, out long arrived, out SocketError error)
    {
        fixed (byte* data = buffer)
        {
            var vector = new IoVector { Base = data, Length = (nuint)buffer.Length };
            var header = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = ControlSize };
            var received = recvmsg(fd, &header, 0);
            arrived = Stopwatch.GetTimestamp();
            if (received < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                error = errno == ErrnoAgain ? SocketError.WouldBlock : SocketError.SocketError;
                return -1;
            }
            error = SocketError.Success;
            if (StampOf(control, (int)header.ControlLength) is { } realtimeNs)
            {
                arrived = ToStopwatch(realtimeNs, arrived);
            }
            else if (received > 0)
            {
                Interlocked.Increment(ref _unstamped);
            }
            return (int)received;
        }
    }

    private static unsafe long? StampOf(byte* control, int length)
    {
        // struct cmsghdr { size_t len; int level; int type; } then the data, 8-byte aligned; one message is expected.
        for (var at = 0; at + 16 <= length;)
        {
            var messageLength = (int)*(ulong*)(control + at);
            if (messageLength < 16)
            {
                break;
            }
            if (*(int*)(control + at + 8) == SolSocket && *(int*)(control + at + 12) == SoTimestampNs && messageLength >= 32)
            {
                var seconds = *(long*)(control + at + 16);
                var nanoseconds = *(long*)(control + at + 24);
                return seconds * 1_000_000_000 + nanoseconds;
            }
            at += (messageLength + 7) & ~7;
        }
        return null;
    }

    private static long ToStopwatch(long realtimeNs, long now)
    {
        if (now - Volatile.Read(ref _offsetReadAt) > Stopwatch.Frequency)
        {
            Volatile.Write(ref _realtimeMinusMonotonicNs, ReadOffset());
            Volatile.Write(ref _offsetReadAt, now);
        }
        var monotonicNs = realtimeNs - Volatile.Read(ref _realtimeMinusMonotonicNs);
        // Never after the read itself: the two clocks are read a few ns apart.
        return Math.Min(now, (long)(monotonicNs * (Stopwatch.Frequency / 1e9)));
    }

    /// <summary>The offset between the two clocks, from the closest of a few paired readings.</summary>
    private static long ReadOffset()
    {
        var best = long.MaxValue;
        var offset = 0L;
        for (var i = 0; i < 5; i++)
        {
            var before = Stopwatch.GetTimestamp();
            var realtimeNs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
            var after = Stopwatch.GetTimestamp();
            if (after - before < best)
            {
                best = after - before;
                offset = realtimeNs - (long)((before + after) / 2 * (1e9 / Stopwatch.Frequency));
            }
        }
        return offset;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    // struct msghdr on x86-64; sequential layout pads the name's length to 8 bytes, as C does.
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MessageHeader
    {
        public void* Name;
        public int NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recvmsg(int fd, MessageHeader* header, int flags);
}
