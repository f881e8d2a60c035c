using System.Net.Sockets;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// The way out of a /ws connection that <see cref="DirectWebSockets"/> took: write-only, straight to its socket. A
/// write is first tried as a non-blocking <c>send</c> on the caller's thread, which is all it takes while the socket's
/// buffer has room (nearly always: a thread's delivery is one such call per client, with none of an async send's
/// per-call machinery). What does not fit is sent by an async send, which waits for room; the caller's
/// <see cref="FrameSender"/> queues what follows meanwhile. Errors surface as <see cref="IOException"/>, as from a
/// <see cref="NetworkStream"/>.
/// </summary>
public sealed class SocketOutput : ConnectionStream
{
    private readonly Socket _socket;

    /// <summary>Puts the socket in non-blocking mode, which only changes its synchronous calls (Kestrel reads it asynchronously).</summary>
    public SocketOutput(Socket socket)
    {
        _socket = socket;
        _socket.Blocking = false;
    }

    /// <summary>The socket's handle, for a <see cref="SendBatch"/> to send on.</summary>
    public SafeSocketHandle Handle => _socket.SafeHandle;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var sent = _socket.Send(buffer.Span, SocketFlags.None, out var error);
        if (error == SocketError.Success && sent == buffer.Length)
        {
            return ValueTask.CompletedTask;
        }
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            throw new IOException($"Unable to write to the connection: {error}.", new SocketException((int)error));
        }
        return SendRestAsync(buffer[sent..], cancellationToken); // sent is 0 when the send would have blocked
    }

    private async ValueTask SendRestAsync(ReadOnlyMemory<byte> rest, CancellationToken cancellationToken)
    {
        try
        {
            while (!rest.IsEmpty)
            {
                rest = rest[await _socket.SendAsync(rest, SocketFlags.None, cancellationToken)..];
            }
        }
        catch (SocketException e)
        {
            throw new IOException($"Unable to write to the connection: {e.SocketErrorCode}.", e);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    // Every write goes to the socket as it is made: nothing to flush.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
