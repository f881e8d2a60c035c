using System.Runtime.InteropServices;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// A Linux io_uring used for one thing: many non-blocking <c>send</c>s to different sockets in one system call. A
/// fan-out sends one small frame to each of a thread's connections; one system call per copy costs more than the copy's
/// own work where system calls are dear (page-table isolation, virtual machines), and io_uring takes a whole batch in
/// one. Each send is flagged <c>MSG_DONTWAIT</c>, so it behaves as the non-blocking <c>send</c> it replaces: it is done
/// during the call, and a socket without room answers how much it took (or <c>EAGAIN</c>) rather than waiting.
/// Not thread-safe: one user at a time (<see cref="SendBatches"/> lends rings out).
/// </summary>
internal sealed unsafe partial class SendRing : IDisposable
{
    /// <summary>The most sends one <see cref="Submit"/> takes.</summary>
    public const int Capacity = 64;

    // System call numbers: the same on every architecture (io_uring came after the tables were unified).
    private const long IoUringSetup = 425;
    private const long IoUringEnter = 426;
    private const uint SetupSubmitAll = 1u << 7; // go on submitting past a send that fails
    private const uint SetupClamp = 1u << 4;
    private const uint EnterGetEvents = 1u << 0;
    private const uint FeatureSingleMmap = 1u << 0;
    private const byte OpSend = 26;
    private const uint MsgDontWait = 0x40;
    private const uint MsgNoSignal = 0x4000;
    private const long OffsetSqRing = 0;
    private const long OffsetCqRing = 0x8000000;
    private const long OffsetSqes = 0x10000000;
    private const int ProtRead = 1, ProtWrite = 2, MapShared = 1, MapPopulate = 0x8000;
    private const int SqeSize = 64;
    private const int CqeSize = 16;
    private const int EIntr = 4;

    private readonly int _fd;
    private readonly byte* _sqRing;
    private readonly nuint _sqRingSize;
    private readonly byte* _cqRing;
    private readonly nuint _cqRingSize;
    private readonly byte* _sqes;
    private readonly nuint _sqesSize;
    private readonly uint* _sqTail;
    private readonly uint _sqMask;
    private readonly uint* _sqArray;
    private readonly uint* _cqHead;
    private readonly uint* _cqTail;
    private readonly uint _cqMask;
    private readonly byte* _cqes;
    private int _queued;

    private SendRing(int fd, in Params p)
    {
        _fd = fd;
        _sqRingSize = p.SqOffArray + p.SqEntries * sizeof(uint);
        _cqRingSize = p.CqOffCqes + p.CqEntries * (uint)CqeSize;
        if ((p.Features & FeatureSingleMmap) != 0)
        {
            _sqRingSize = _cqRingSize = Math.Max(_sqRingSize, _cqRingSize);
        }
        _sqRing = Map(_sqRingSize, OffsetSqRing);
        _cqRing = (p.Features & FeatureSingleMmap) != 0 ? _sqRing : Map(_cqRingSize, OffsetCqRing);
        _sqesSize = p.SqEntries * (nuint)SqeSize;
        _sqes = Map(_sqesSize, OffsetSqes);
        _sqTail = (uint*)(_sqRing + p.SqOffTail);
        _sqMask = *(uint*)(_sqRing + p.SqOffRingMask);
        _sqArray = (uint*)(_sqRing + p.SqOffArray);
        _cqHead = (uint*)(_cqRing + p.CqOffHead);
        _cqTail = (uint*)(_cqRing + p.CqOffTail);
        _cqMask = *(uint*)(_cqRing + p.CqOffRingMask);
        _cqes = _cqRing + p.CqOffCqes;
    }

    /// <summary>A ring, or null where there is none to be had (not Linux, an old kernel, io_uring disabled or filtered out); <paramref name="why"/> says why.</summary>
    public static SendRing? TryCreate(out string? why)
    {
        why = null;
        if (!OperatingSystem.IsLinux())
        {
            why = "io_uring is Linux's";
            return null;
        }
        var p = default(Params);
        p.Flags = SetupSubmitAll | SetupClamp;
        var fd = (int)Syscall(IoUringSetup, Capacity, (nint)(&p), 0, 0, 0, 0);
        if (fd < 0)
        {
            why = $"io_uring_setup failed (errno {Marshal.GetLastPInvokeError()})";
            return null;
        }
        try
        {
            return new SendRing(fd, p);
        }
        catch (IOException e)
        {
            close(fd);
            why = e.Message;
            return null;
        }
    }

    public int Queued => _queued;

    /// <summary>
    /// Queues a send of <paramref name="length"/> bytes at <paramref name="buffer"/> (which must stay pinned, and the
    /// socket open, until <see cref="Submit"/> returns); its result goes to <c>results[index]</c>, index being its place in
    /// the queue.
    /// </summary>
    public void QueueSend(int socket, byte* buffer, int length)
    {
        if (_queued == Capacity)
        {
            throw new InvalidOperationException("The ring is full; submit first.");
        }
        var tail = Volatile.Read(ref *_sqTail) + (uint)_queued;
        var index = tail & _sqMask;
        var sqe = _sqes + index * SqeSize;
        new Span<byte>(sqe, SqeSize).Clear();
        sqe[0] = OpSend;
        *(int*)(sqe + 4) = socket;
        *(ulong*)(sqe + 16) = (ulong)buffer;
        *(uint*)(sqe + 24) = (uint)length;
        *(uint*)(sqe + 28) = MsgDontWait | MsgNoSignal;
        *(ulong*)(sqe + 32) = (ulong)_queued;
        _sqArray[index] = index;
        _queued++;
    }

    /// <summary>
    /// Sends everything queued, in one system call, and waits until each send has its result: the bytes sent, or a
    /// negative errno (<c>-EAGAIN</c>: the socket had no room).
    /// </summary>
    public void Submit(Span<int> results)
    {
        var count = _queued;
        if (count == 0)
        {
            return;
        }
        _queued = 0;
        Volatile.Write(ref *_sqTail, *_sqTail + (uint)count);
        var toSubmit = (uint)count;
        var completed = 0;
        while (completed < count)
        {
            var entered = Syscall(IoUringEnter, _fd, (nint)toSubmit, toSubmit == 0 ? 1 : 0, toSubmit == 0 ? (nint)EnterGetEvents : 0, 0, 0);
            if (entered < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EIntr)
                {
                    throw new IOException($"io_uring_enter failed (errno {errno}).");
                }
            }
            else
            {
                toSubmit -= (uint)Math.Min(entered, toSubmit);
            }
            completed += Reap(results);
        }
    }

    private int Reap(Span<int> results)
    {
        var head = *_cqHead;
        var tail = Volatile.Read(ref *_cqTail);
        var reaped = 0;
        for (; head != tail; head++, reaped++)
        {
            var cqe = _cqes + (head & _cqMask) * CqeSize;
            results[(int)*(ulong*)cqe] = *(int*)(cqe + 8);
        }
        Volatile.Write(ref *_cqHead, head);
        return reaped;
    }

    private byte* Map(nuint size, long offset)
    {
        var address = mmap(null, size, ProtRead | ProtWrite, MapShared | MapPopulate, _fd, offset);
        if (address == (void*)-1)
        {
            throw new IOException($"mmap of io_uring failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        return (byte*)address;
    }

    public void Dispose()
    {
        munmap(_sqes, _sqesSize);
        if (_cqRing != _sqRing)
        {
            munmap(_cqRing, _cqRingSize);
        }
        munmap(_sqRing, _sqRingSize);
        close(_fd);
    }

    /// <summary>struct io_uring_params, with its two offset structs laid out flat.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Params
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd, Resv0, Resv1, Resv2;
        public uint SqOffHead, SqOffTail, SqOffRingMask, SqOffRingEntries, SqOffFlags, SqOffDropped, SqOffArray, SqOffResv1;
        public ulong SqOffUserAddr;
        public uint CqOffHead, CqOffTail, CqOffRingMask, CqOffRingEntries, CqOffOverflow, CqOffCqes, CqOffFlags, CqOffResv1;
        public ulong CqOffUserAddr;
    }

    // libc's syscall() is variadic; with integer arguments only, a fixed signature passes them the same way.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);

    [LibraryImport("libc", SetLastError = true)]
    private static partial void* mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc")]
    private static partial int munmap(void* address, nuint length);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
