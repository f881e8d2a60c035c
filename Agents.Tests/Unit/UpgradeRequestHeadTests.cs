using System.Buffers;
using System.Text;
using Agents.Realtime.WebSockets;

namespace Agents.Tests.Unit;

/// <summary>
/// Which first requests /ws takes before Kestrel's HTTP server (a plain WebSocket upgrade, read whole), and that it
/// leaves every other one alone, as early as it can tell.
/// </summary>
public sealed class UpgradeRequestHeadTests
{
    private const int MaxHeadBytes = 40 * 1024;
    private const int MaxHeaders = 100;

    // What Chromium sends, give or take the token; a frame's first bytes follow the head in the same read.
    private const string BrowserUpgrade =
        "GET /ws?access_token=abc.def.ghi HTTP/1.1\r\n" +
        "Host: localhost:5080\r\n" +
        "Connection: Upgrade\r\n" +
        "Pragma: no-cache\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" +
        "Upgrade: websocket\r\n" +
        "Origin: http://localhost:5080\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "Accept-Language: en-US,en;q=0.9\r\n" +
        "Cookie: a=b\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
        "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n" +
        "\r\n";

    [Fact]
    public void ABrowsersUpgradeIsTakenWithItsQueryKeyAndTrace()
    {
        var state = Read(BrowserUpgrade + "\x81\x85", out var head, out var length);

        Assert.Equal(HeadState.Ours, state);
        Assert.Equal(Encoding.ASCII.GetByteCount(BrowserUpgrade), length);
        Assert.Equal("?access_token=abc.def.ghi", head!.Query);
        Assert.Equal("dGhlIHNhbXBsZSBub25jZQ==", head.Key);
        Assert.Null(head.Authorization);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", head.TraceParent);
    }

    [Fact]
    public void AnUpgradeWithTheTokenInTheAuthorizationHeaderAndNoQueryIsTaken()
    {
        var state = Read(Upgrade("/ws", "Authorization: Bearer abc.def.ghi\r\n"), out var head, out _);

        Assert.Equal(HeadState.Ours, state);
        Assert.Equal("", head!.Query);
        Assert.Equal("Bearer abc.def.ghi", head.Authorization);
    }

    [Theory]
    [InlineData("Connection: keep-alive, Upgrade")]
    [InlineData("connection: upgrade")]
    [InlineData("CONNECTION:Upgrade  ")]
    public void AnUpgradeTokenAmongOthersOrInAnotherCaseIsTaken(string connection) =>
        Assert.Equal(HeadState.Ours, Read(Upgrade("/ws", "").Replace("Connection: Upgrade", connection, StringComparison.Ordinal), out _, out _));

    [Fact]
    public void AHubUpgradeThatSkippedNegotiationIsTakenAsTheHubs()
    {
        var state = Read(Upgrade("/hubs/agent?access_token=abc.def.ghi", ""), out var head, out _);

        Assert.Equal(HeadState.Ours, state);
        Assert.True(head!.IsHub);
        Assert.Equal("/hubs/agent", head.Path);
        Assert.Equal("?access_token=abc.def.ghi", head.Query);
        Assert.False(Read(BrowserUpgrade, out var ws, out _) != HeadState.Ours || ws!.IsHub);
    }

    [Theory]
    [InlineData("/hubs/agent?id=0Hn3bQ2aV8cX&access_token=t")]
    [InlineData("/hubs/agent?access_token=t&id=0Hn3bQ2aV8cX")]
    [InlineData("/hubs/agent/negotiate?negotiateVersion=1")]
    [InlineData("/hubs/agentx?access_token=t")]
    [InlineData("/hubs/other?access_token=t")]
    public void ANegotiatedHubConnectionOrAnotherHubPathGoesToTheHttpServer(string target) =>
        Assert.Equal(HeadState.NotOurs, Read(Upgrade(target, ""), out _, out _));

    [Fact]
    public void AHeadArrivingByteByByteNeedsMoreUntilItsLastByte()
    {
        var bytes = Encoding.ASCII.GetBytes(BrowserUpgrade);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(HeadState.NeedMore, UpgradeRequestHead.TryRead(new ReadOnlySequence<byte>(bytes, 0, length), MaxHeadBytes, MaxHeaders, out _, out _));
        }
        Assert.Equal(HeadState.Ours, UpgradeRequestHead.TryRead(new ReadOnlySequence<byte>(bytes), MaxHeadBytes, MaxHeaders, out _, out _));
    }

    [Fact]
    public void AHeadSplitAcrossBufferSegmentsIsReadWhole()
    {
        var bytes = Encoding.ASCII.GetBytes(BrowserUpgrade);
        var first = new Segment(bytes.AsMemory(0, 5));
        var last = first.Append(bytes.AsMemory(5, 100)).Append(bytes.AsMemory(105));

        var state = UpgradeRequestHead.TryRead(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), MaxHeadBytes, MaxHeaders, out var head, out var length);

        Assert.Equal(HeadState.Ours, state);
        Assert.Equal(bytes.Length, length);
        Assert.Equal("dGhlIHNhbXBsZSBub25jZQ==", head!.Key);
    }

    [Theory]
    [InlineData("P")]
    [InlineData("GET /api")]
    [InlineData("GET /hubs/x")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("\x16\x03\x01\x02\x00\x01")]
    [InlineData("GET /ws HTTP/1.1\nHost: x\n")]
    public void AnotherRequestIsLeftAloneAsSoonAsItShows(string start) =>
        Assert.Equal(HeadState.NotOurs, Read(start, out _, out _));

    [Theory]
    [InlineData("POST /ws HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("get /ws HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /ws/health HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("GET /wsx HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")]
    [InlineData("GET /ws?a b HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")]
    public void ARequestThatIsNotAPlainUpgradeOfWsGoesToTheHttpServer(string request) =>
        Assert.Equal(HeadState.NotOurs, Read(request, out _, out _));

    [Theory]
    [InlineData("Upgrade: websocket", "Upgrade: h2c")]
    [InlineData("Connection: Upgrade", "Connection: keep-alive")]
    [InlineData("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")]
    [InlineData("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: c2hvcnQ=")]
    [InlineData("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "X-Nothing: 1")]
    [InlineData("Host: localhost", "Host: local host")]
    [InlineData("Host: localhost", "Host: localhost\r\nHost: other")]
    [InlineData("Host: localhost", "Host: localhost\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b")]
    [InlineData("Host: localhost", "Host: localhost\r\nSec-WebSocket-Protocol: chat")]
    [InlineData("Host: localhost", "Host: localhost\r\nContent-Length: 5")]
    [InlineData("Host: localhost", "Host: localhost\r\nTransfer-Encoding: chunked")]
    [InlineData("Host: localhost", "Host: localhost\r\nX-Folded: a\r\n b")]
    [InlineData("Host: localhost", "Host: localhost\r\nX-Name : a")]
    [InlineData("Host: localhost", "Host: localhost\r\nX-Latin: caf\u00e9")]
    [InlineData("Host: localhost", "Host: localhost\r\nX-Control: a\u0001b")]
    public void AnUpgradeWithAnythingUnusualGoesToTheHttpServer(string header, string instead)
    {
        var plain = Upgrade("/ws?access_token=t", "");
        var unusual = plain.Replace(header, instead, StringComparison.Ordinal);

        Assert.NotEqual(plain, unusual);
        Assert.Equal(HeadState.Ours, Read(plain, out _, out _));
        Assert.Equal(HeadState.NotOurs, Read(unusual, out _, out _));
    }

    [Fact]
    public void AHeadOverTheLimitsGoesToTheHttpServer()
    {
        var longHeader = $"X-Long: {new string('a', MaxHeadBytes)}\r\n";
        Assert.Equal(HeadState.NotOurs, Read(Upgrade("/ws", longHeader), out _, out _));
        Assert.Equal(HeadState.NotOurs, Read(Upgrade("/ws", longHeader)[..(MaxHeadBytes + 10)], out _, out _));
        var manyHeaders = string.Concat(Enumerable.Range(0, MaxHeaders).Select(i => $"X-{i}: a\r\n"));
        Assert.Equal(HeadState.NotOurs, Read(Upgrade("/ws", manyHeaders), out _, out _));
    }

    private static string Upgrade(string target, string extraHeaders) =>
        $"GET {target} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
        $"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extraHeaders}\r\n";

    private static HeadState Read(string received, out UpgradeRequestHead? head, out long length) =>
        UpgradeRequestHead.TryRead(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(received)), MaxHeadBytes, MaxHeaders, out head, out length);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
