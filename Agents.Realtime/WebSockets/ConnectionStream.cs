namespace Agents.Realtime.WebSockets;

/// <summary>A stream over a network connection: what every such stream leaves out (a length, a position, seeking) in one place.</summary>
public abstract class ConnectionStream : Stream
{
    public sealed override bool CanSeek => false;

    public sealed override long Length => throw new NotSupportedException();

    public sealed override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();
}
