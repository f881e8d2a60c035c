using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Agents.Tests.Infrastructure;

/// <summary>
/// A bare TCP connection to a service, for requests no HTTP client would send: a head split across writes, a
/// WebSocket frame right behind the upgrade. What comes back is kept as Latin-1 text, frame headers and all.
/// </summary>
public sealed class RawConnection : IDisposable
{
    private const string WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly StringBuilder _received = new();

    private RawConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawConnection> OpenAsync(Uri service)
    {
        var client = new TcpClient();
        await client.ConnectAsync(service.Host, service.Port, TestContext.Current.CancellationToken).AsTask().WithTimeout();
        return new RawConnection(client);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes, TestContext.Current.CancellationToken).AsTask().WithTimeout();

    /// <summary>Reads until everything received so far matches, and returns it.</summary>
    public async Task<string> ReadUntilAsync(Func<string, bool> done, string what)
    {
        var buffer = new byte[16 * 1024];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TestTimeouts.Default);
        while (!done(_received.ToString()))
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Not received: {what}. Got: {_received}");
            }
            if (read == 0)
            {
                throw new IOException($"The connection closed before {what}. Got: {_received}");
            }
            _received.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }
        return _received.ToString();
    }

    /// <summary>Whether <paramref name="received"/> holds every response it starts, to the end of the last one's body (by Content-Length or chunked).</summary>
    public static bool EndsWithWholeResponse(string received)
    {
        var start = received.LastIndexOf("HTTP/1.1 ", StringComparison.Ordinal);
        var headEnd = start < 0 ? -1 : received.IndexOf("\r\n\r\n", start, StringComparison.Ordinal);
        if (headEnd < 0)
        {
            return false;
        }
        var head = received[start..headEnd];
        var body = received[(headEnd + 4)..];
        var length = head.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is not null
            ? body.Length >= int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)
            : body.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
    }

    /// <summary>A WebSocket upgrade of /ws (or <paramref name="path"/>) with the token in the query and the given key.</summary>
    public static string UpgradeHead(Uri service, string? token, string key, string path = "/ws") =>
        $"GET {path}{(token is null ? "" : $"?access_token={Uri.EscapeDataString(token)}")} HTTP/1.1\r\nHost: {service.Authority}\r\n" +
        $"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n";

    /// <summary>
    /// A hub upgrade that skips negotiation (so Realtime takes it directly), with the SignalR handshake for
    /// <paramref name="protocol"/> right behind it, read up to the handshake's answer.
    /// </summary>
    public static async Task<(RawConnection Tcp, string Handshake)> OpenHubAsync(Uri realtime, string token, string protocol = "json", string? key = null)
    {
        var tcp = await OpenAsync(realtime);
        await tcp.SendAsync([.. Encoding.ASCII.GetBytes(UpgradeHead(realtime, token, key ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)), "/hubs/agent")),
            .. MaskedTextFrame($$"""{"protocol":"{{protocol}}","version":1}{{'\u001e'}}""")]);
        return (tcp, await tcp.ReadUntilAsync(text => text.Contains("{}\u001e", StringComparison.Ordinal), "the handshake's answer"));
    }

    /// <summary>The Sec-WebSocket-Accept a server must answer the key with (RFC 6455, section 4.2.2).</summary>
    public static string ExpectedAccept(string key)
    {
#pragma warning disable CA5350 // RFC 6455 prescribes SHA-1 here
        return Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + WebSocketGuid)));
#pragma warning restore CA5350
    }

    /// <summary>A client's text frame (masked, as a client's must be).</summary>
    public static byte[] MaskedTextFrame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var mask = RandomNumberGenerator.GetBytes(4);
        byte[] length = payload.Length switch
        {
            < 126 => [(byte)(0x80 | payload.Length)],
            <= ushort.MaxValue => [0x80 | 126, (byte)(payload.Length >> 8), (byte)payload.Length],
            _ => [0x80 | 127, .. BitConverter.GetBytes((ulong)payload.Length).Reverse()],
        };
        return [0x81, .. length, .. mask, .. payload.Select((b, i) => (byte)(b ^ mask[i % 4]))];
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
