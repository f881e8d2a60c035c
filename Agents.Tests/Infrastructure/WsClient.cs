using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Agents.Tests.Infrastructure;

/// <summary>A real WebSocket client speaking the /ws protocol; every received frame is kept.</summary>
public sealed class WsClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly List<JsonElement> _frames = [];
    private readonly Lock _gate = new();
    private Task? _receiver;

    public IReadOnlyList<JsonElement> Frames
    {
        get
        {
            lock (_gate)
            {
                return [.. _frames];
            }
        }
    }

    public WebSocketState State => _socket.State;

    /// <summary>The server closed the connection or it broke: nothing more will be received.</summary>
    public bool Ended => _receiver?.IsCompleted == true;

    public static async Task<WsClient> ConnectAsync(Uri frontDoor, string? token, Action<ClientWebSocketOptions>? configure = null)
    {
        var client = new WsClient();
        configure?.Invoke(client._socket.Options);
        var uri = new UriBuilder(frontDoor) { Scheme = "ws", Path = "/ws", Query = token is null ? "" : $"access_token={Uri.EscapeDataString(token)}" }.Uri;
        await client._socket.ConnectAsync(uri, TestContext.Current.CancellationToken).WithTimeout();
        client._receiver = client.ReceiveAsync();
        return client;
    }

    public Task SendAsync(object frame) => SendRawAsync(JsonSerializer.Serialize(frame));

    public Task SendRawAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken).WithTimeout();

    /// <summary>Waits for the first received frame that matches, and returns it.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Default);
        while (true)
        {
            var found = Frames.Where(match).Take(1).ToArray();
            if (found.Length == 1)
            {
                return found[0];
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No frame: {what}. Got: {string.Join(" | ", Frames.Select(f => f.GetRawText()))}");
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public Task<JsonElement> WaitForTypeAsync(string type, string? requestId = null) =>
        WaitForAsync(f => f.GetProperty("type").GetString() == type && (requestId is null || (f.TryGetProperty("request_id", out var r) && r.GetString() == requestId)),
            $"{type} {requestId}");

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                var frame = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                lock (_gate)
                {
                    _frames.Add(frame);
                }
            }
        }
        catch (WebSocketException)
        {
            // Closed under us.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException)
            {
                _socket.Abort();
            }
        }
        if (_receiver is not null)
        {
            await _receiver.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _socket.Dispose();
    }

    public static JsonNode Frame(string type, object? payload = null, string? requestId = null)
    {
        var frame = new JsonObject { ["type"] = type };
        if (payload is not null)
        {
            frame["payload"] = JsonSerializer.SerializeToNode(payload);
        }
        if (requestId is not null)
        {
            frame["request_id"] = requestId;
        }
        return frame;
    }
}
