using System.Buffers;
using System.IO.Pipelines;

namespace Agents.Realtime.Hub;

/// <summary>
/// The output of a <see cref="DirectHubConnection"/> as SignalR sees it: what SignalR writes between two flushes
/// becomes one WebSocket message (as SignalR's own WebSocket transport makes of each read of its pipe), framed at the
/// flush and handed to the connection's <see cref="FrameSender"/>, which writes it to the socket on the caller's thread
/// or queues it behind a write under way. So a flush never waits: a client that reads too slowly is dropped by the sender's
/// queue limit, as /ws clients are. The buffer is pooled and given back at every flush, so an idle connection holds none.
/// Writes come one at a time (SignalR's connection takes its write lock around each).
/// </summary>
internal sealed class HubFrameWriter(FrameSender sender, Func<bool> binary) : PipeWriter
{
    private const int FirstBufferBytes = 512;
    private byte[]? _buffer;
    private int _written;
    private bool _completed;

    /// <summary>Whether SignalR has written anything yet: its first write is the answer to the client's handshake.</summary>
    public bool Started { get; private set; }

    public override void Advance(int bytes)
    {
        if (bytes < 0 || _written + bytes > (_buffer?.Length ?? 0))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes));
        }
        _written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Room(sizeHint).AsMemory(_written);

    public override Span<byte> GetSpan(int sizeHint = 0) => Room(sizeHint).AsSpan(_written);

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_written > 0 && !_completed)
        {
            sender.Send(TextFrames.Frame(_buffer.AsSpan(0, _written), binary()));
            Started = true;
        }
        Release();
        return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: _completed));
    }

    // A flush never waits, so there is never one to cancel.
    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        Release();
    }

    private byte[] Room(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (_buffer is null || needed > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(FirstBufferBytes, (_buffer?.Length ?? 0) * 2)));
            _buffer?.AsSpan(0, _written).CopyTo(larger);
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = larger;
        }
        return _buffer;
    }

    private void Release()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _written = 0;
    }
}
