using System.Net.WebSockets;

namespace Agents.Bench.LoadGen;

/// <summary>
/// One client WebSocket with its receive loop. Whole WebSocket messages go to <see cref="OnMessage"/>; sends are
/// serialised (a WebSocket allows one send at a time).
/// </summary>
public sealed class Connection(int index) : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _buffer = new byte[8 * 1024];

    public int Index { get; } = index;

    /// <summary>Called with every whole message received; the span is valid only during the call.</summary>
    public Action<Connection, ReadOnlySpan<byte>> OnMessage { get; set; } = (_, _) => { };

    /// <summary>Per-connection state a target keeps (handshake done, joined...).</summary>
    public object? State { get; set; }

    public bool Closed { get; private set; }

    public async Task ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await _socket.ConnectAsync(uri, cancellationToken);
        _ = ReceiveLoopAsync();
    }

    public async Task SendAsync(ReadOnlyMemory<byte> message, bool binary, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(message, binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            var filled = 0;
            while (true)
            {
                if (filled == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
                var result = await _socket.ReceiveAsync(_buffer.AsMemory(filled), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                filled += result.Count;
                if (result.EndOfMessage)
                {
                    OnMessage(this, _buffer.AsSpan(0, filled));
                    filled = 0;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        Closed = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        _socket.Dispose();
    }
}
