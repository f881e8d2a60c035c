using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Agents.Bench.LoadGen;

/// <summary>
/// One client WebSocket (RFC 6455, no extensions) on a plain socket that <see cref="ReceiveLoop"/> reads: whole messages
/// go to <see cref="OnMessage"/> on the receive loop's thread, pings are answered there. Sends are synchronous and
/// serialised (small frames to a loopback socket: they complete at once).
/// </summary>
public sealed class Connection(int index) : IAsyncDisposable
{
    private readonly Lock _sendLock = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _socket;
    private long _loopId;
    private nint _fd;
    private int _closed;
    private string _expectedAccept = "";
    private bool _open;
    private byte[] _buffer = new byte[8 * 1024];
    private int _filled;
    private byte[] _sendBuffer = new byte[1024];
    private MemoryStream? _fragments;

    public int Index { get; } = index;

    /// <summary>Called with every whole message received; the span is valid only during the call.</summary>
    public Action<Connection, ReadOnlySpan<byte>> OnMessage { get; set; } = (_, _) => { };

    /// <summary>Per-connection state a target keeps (handshake done, joined...).</summary>
    public object? State { get; set; }

    public bool Closed => Volatile.Read(ref _closed) != 0;

    /// <summary>When the bytes of the message being handed to <see cref="OnMessage"/> reached this socket (<see cref="ArrivalClock"/>), as a Stopwatch timestamp.</summary>
    public long ArrivedTimestamp { get; private set; }

    public async Task ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        _expectedAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        // Connect and the upgrade request complete at once on loopback; nothing here goes through .NET's socket engine,
        // so no other thread is woken for this socket's traffic.
        _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            _socket.Connect(uri.Host, uri.Port);
            _socket.Send(Encoding.ASCII.GetBytes(
                $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"));
            _socket.Blocking = false;
            ArrivalClock.Enable(_socket);
        }
        catch (SocketException)
        {
            _socket.Dispose();
            throw;
        }
        _fd = _socket.Handle;
        _loopId = ReceiveLoop.Add(this, _fd);
        try
        {
            await _opened.Task.WaitAsync(cancellationToken);
        }
        catch
        {
            Close(null);
            throw;
        }
    }

    public Task SendAsync(ReadOnlyMemory<byte> message, bool binary, CancellationToken cancellationToken = default)
    {
        try
        {
            SendFrame(binary ? Opcode.Binary : Opcode.Text, message.Span);
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or SocketException)
        {
            return Task.FromException(e);
        }
    }

    /// <summary>Called by the receive loop when the socket has bytes (or was closed).</summary>
    internal void OnReadable()
    {
        try
        {
            if (_filled == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            var received = ArrivalClock.Receive(_socket!, _buffer.AsSpan(_filled), out var arrived, out var error);
            if (error == SocketError.WouldBlock)
            {
                return;
            }
            if (error != SocketError.Success || received == 0)
            {
                Close(new WebSocketException($"The connection was closed ({error})."));
                return;
            }
            _filled += received;
            ArrivedTimestamp = arrived;
            var consumed = _open ? ReadFrames() : ReadUpgradeResponse();
            _buffer.AsSpan(consumed, _filled - consumed).CopyTo(_buffer);
            _filled -= consumed;
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or SocketException)
        {
            Close(e);
        }
    }

    private int ReadUpgradeResponse()
    {
        var data = _buffer.AsSpan(0, _filled);
        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return 0;
        }
        var head = Encoding.ASCII.GetString(data[..end]);
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal)
            || !head.Contains($"\r\nSec-WebSocket-Accept: {_expectedAccept}", StringComparison.OrdinalIgnoreCase))
        {
            throw new WebSocketException($"The server refused the WebSocket: {head.Split("\r\n")[0]}");
        }
        _open = true;
        _opened.TrySetResult();
        var headLength = end + 4;
        return headLength + ReadFrames(headLength);
    }

    /// <summary>Hands every whole frame from <paramref name="from"/> on to its handler; returns the bytes consumed.</summary>
    private int ReadFrames(int from = 0)
    {
        var at = from;
        while (true)
        {
            var rest = _buffer.AsSpan(at, _filled - at);
            if (rest.Length < 2)
            {
                break;
            }
            var (header, length) = (rest[1] & 0x7F) switch
            {
                126 when rest.Length >= 4 => (4, (long)BinaryPrimitives.ReadUInt16BigEndian(rest[2..])),
                127 when rest.Length >= 10 => (10, (long)BinaryPrimitives.ReadUInt64BigEndian(rest[2..])),
                126 or 127 => (0, 0L),
                var small => (2, (long)small),
            };
            if (header == 0 || rest.Length < header + length)
            {
                if (header + length > _buffer.Length)
                {
                    Array.Resize(ref _buffer, (int)Math.Max(header + length, _buffer.Length * 2L));
                }
                break;
            }
            if ((rest[1] & 0x80) != 0)
            {
                throw new WebSocketException("The server sent a masked frame.");
            }
            OnFrame(fin: (rest[0] & 0x80) != 0, (Opcode)(rest[0] & 0x0F), rest.Slice(header, (int)length));
            at += header + (int)length;
        }
        return at - from;
    }

    private void OnFrame(bool fin, Opcode opcode, ReadOnlySpan<byte> payload)
    {
        switch (opcode)
        {
            case Opcode.Text or Opcode.Binary when fin && _fragments is null:
                OnMessage(this, payload);
                break;
            case Opcode.Text or Opcode.Binary:
                _fragments = new MemoryStream();
                _fragments.Write(payload);
                break;
            case Opcode.Continuation when _fragments is not null:
                _fragments.Write(payload);
                if (fin)
                {
                    var whole = _fragments;
                    _fragments = null;
                    OnMessage(this, whole.GetBuffer().AsSpan(0, (int)whole.Length));
                }
                break;
            case Opcode.Ping:
                SendFrame(Opcode.Pong, payload);
                break;
            case Opcode.Close:
                SendFrame(Opcode.Close, payload.Length >= 2 ? payload[..2] : []);
                Close(null);
                break;
            case Opcode.Pong:
                break;
            default:
                throw new WebSocketException($"Unexpected frame (opcode {opcode}).");
        }
    }

    /// <summary>A client frame: masked, as RFC 6455 requires of clients.</summary>
    private void SendFrame(Opcode opcode, ReadOnlySpan<byte> payload)
    {
        lock (_sendLock)
        {
            var header = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
            var total = header + 4 + payload.Length;
            if (_sendBuffer.Length < total)
            {
                _sendBuffer = new byte[Math.Max(total, _sendBuffer.Length * 2)];
            }
            var frame = _sendBuffer.AsSpan(0, total);
            frame[0] = (byte)(0x80 | (int)opcode);
            switch (header)
            {
                case 2:
                    frame[1] = (byte)(0x80 | payload.Length);
                    break;
                case 4:
                    frame[1] = 0x80 | 126;
                    BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)payload.Length);
                    break;
                default:
                    frame[1] = 0x80 | 127;
                    BinaryPrimitives.WriteUInt64BigEndian(frame[2..], (ulong)payload.Length);
                    break;
            }
            var mask = frame.Slice(header, 4);
            Random.Shared.NextBytes(mask);
            var body = frame[(header + 4)..];
            for (var i = 0; i < payload.Length; i++)
            {
                body[i] = (byte)(payload[i] ^ mask[i & 3]);
            }
            SendAll(frame);
        }
    }

    private void SendAll(ReadOnlySpan<byte> data)
    {
        var socket = _socket ?? throw new WebSocketException("Not connected.");
        while (!data.IsEmpty)
        {
            var sent = socket.Send(data, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                socket.Poll(TimeSpan.FromMilliseconds(100), SelectMode.SelectWrite);
                continue;
            }
            if (error != SocketError.Success)
            {
                throw new WebSocketException($"Send failed ({error}).");
            }
            data = data[sent..];
        }
    }

    private void Close(Exception? error)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        _opened.TrySetException(error ?? new WebSocketException("The server closed the connection during the handshake."));
        if (_socket is { } socket)
        {
            ReceiveLoop.Remove(_loopId, _fd);
            socket.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_open && !Closed)
        {
            try
            {
                SendFrame(Opcode.Close, [0x03, 0xE8]); // 1000: normal closure
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or SocketException)
            {
            }
        }
        Close(null);
        return ValueTask.CompletedTask;
    }

    private enum Opcode
    {
        Continuation = 0,
        Text = 1,
        Binary = 2,
        Close = 8,
        Ping = 9,
        Pong = 10,
    }
}
