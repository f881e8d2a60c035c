using System.Security.Cryptography;
using System.Text;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.EndToEnd;

/// <summary>
/// A connection whose first request is a /ws upgrade is taken before Kestrel's HTTP server (DirectWebSockets); any other
/// connection, and a /ws request it must not take, reaches the HTTP server whole. Over bare TCP to Realtime, so a head
/// can arrive in pieces and a frame right behind it. Kestrel's own answers carry its Server header; the direct one does not.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DirectWebSocketTests(AppHostFixture fixture, ITestOutputHelper output) : FrontDoorTests(fixture, output)
{
    private const string PingFrame = """{"type":"ping","request_id":"p1"}""";

    private Uri Realtime => Fixture.App.GetEndpoint(ResourceNames.Realtime);

    [Fact]
    public async Task AnUpgradeSentInPiecesWithAFrameRightBehindItIsTakenDirectlyAndTheFrameAnswered()
    {
        await using var user = await SignInAsync("direct");
        using var tcp = await RawConnection.OpenAsync(Realtime);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var head = RawConnection.UpgradeHead(Realtime, user.Token, key);

        await tcp.SendAsync(head[..3]);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        await tcp.SendAsync(head[3..40]);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        await tcp.SendAsync([.. Encoding.ASCII.GetBytes(head[40..]), .. RawConnection.MaskedTextFrame(PingFrame)]);
        var received = await tcp.ReadUntilAsync(text => text.Contains("\"pong\"", StringComparison.Ordinal), "the pong");

        var answer = received[..received.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", answer, StringComparison.Ordinal);
        Assert.Contains($"Sec-WebSocket-Accept: {RawConnection.ExpectedAccept(key)}", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Server: Kestrel", answer, StringComparison.Ordinal);
        Assert.Contains("\"connection_established\"", received, StringComparison.Ordinal);
        Assert.Contains("\"p1\"", received[received.IndexOf("\"pong\"", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientsThatVanishDuringOrJustAfterTheHandshakeLeaveNoConnectionBehind()
    {
        await using var user = await SignInAsync("vanish");
        var before = await OpenWebSocketConnectionsAsync();
        var head = RawConnection.UpgradeHead(Realtime, user.Token, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));

        // Gone halfway through the upgrade request; and gone, without a close frame, as soon as the 101 came back.
        for (var i = 0; i < 5; i++)
        {
            using (var halfway = await RawConnection.OpenAsync(Realtime))
            {
                await halfway.SendAsync(head[..40]);
            }
            using var upgraded = await RawConnection.OpenAsync(Realtime);
            await upgraded.SendAsync(head);
            await upgraded.ReadUntilAsync(text => text.Contains("\"connection_established\"", StringComparison.Ordinal), "the session's first frame");
        }

        var deadline = DateTime.UtcNow + TestTimeouts.Default;
        int open;
        while ((open = await OpenWebSocketConnectionsAsync()) > before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.True(open <= before, $"{open} /ws connections still open, {before} before the vanishing clients");
        // And the endpoint still serves a client that stays.
        using var tcp = await RawConnection.OpenAsync(Realtime);
        await tcp.SendAsync([.. Encoding.ASCII.GetBytes(head), .. RawConnection.MaskedTextFrame(PingFrame)]);
        await tcp.ReadUntilAsync(text => text.Contains("\"pong\"", StringComparison.Ordinal), "the pong");
    }

    private async Task<int> OpenWebSocketConnectionsAsync()
    {
        using var http = new HttpClient { BaseAddress = Realtime };
        using var health = System.Text.Json.JsonDocument.Parse(
            await http.GetStringAsync(new Uri("/ws/health", UriKind.Relative), TestContext.Current.CancellationToken).WithTimeout());
        return health.RootElement.GetProperty("connections").GetInt32();
    }

    [Fact]
    public async Task AnHttpRequestSentInPiecesReachesTheHttpServerWholeAndItsConnectionStaysUsable()
    {
        using var tcp = await RawConnection.OpenAsync(Realtime);

        await tcp.SendAsync("GET /w");
        await Task.Delay(200, TestContext.Current.CancellationToken);
        await tcp.SendAsync($"s/health HTTP/1.1\r\nHost: {Realtime.Authority}\r\n\r\n");
        var health = await tcp.ReadUntilAsync(RawConnection.EndsWithWholeResponse, "the /ws/health answer");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", health, StringComparison.Ordinal);
        Assert.Contains("\"healthy\"", health, StringComparison.Ordinal);

        await tcp.SendAsync($"GET /alive HTTP/1.1\r\nHost: {Realtime.Authority}\r\n\r\n");
        var both = await tcp.ReadUntilAsync(text => text.Length > health.Length && RawConnection.EndsWithWholeResponse(text), "the /alive answer");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", both[health.Length..], StringComparison.Ordinal);
        Assert.Contains("Healthy", both[health.Length..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUpgradeOnAConnectionThatAlreadyServedARequestIsTheHttpServersAndWorksTheSame()
    {
        await using var user = await SignInAsync("keepalive");
        using var tcp = await RawConnection.OpenAsync(Realtime);
        await tcp.SendAsync($"GET /ws/health HTTP/1.1\r\nHost: {Realtime.Authority}\r\n\r\n");
        var health = await tcp.ReadUntilAsync(RawConnection.EndsWithWholeResponse, "the /ws/health answer");

        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await tcp.SendAsync(RawConnection.UpgradeHead(Realtime, user.Token, key));
        await tcp.ReadUntilAsync(text => text.IndexOf("\r\n\r\n", health.Length, StringComparison.Ordinal) > 0, "the upgrade's answer");
        await tcp.SendAsync(RawConnection.MaskedTextFrame(PingFrame));
        var received = (await tcp.ReadUntilAsync(text => text.Contains("\"pong\"", StringComparison.Ordinal), "the pong"))[health.Length..];

        var answer = received[..received.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", answer, StringComparison.Ordinal);
        Assert.Contains($"Sec-WebSocket-Accept: {RawConnection.ExpectedAccept(key)}", answer, StringComparison.Ordinal);
        Assert.Contains("Server: Kestrel", answer, StringComparison.Ordinal);
        Assert.Contains("\"connection_established\"", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFirstRequestToWsThatMustBeRefusedIsRefusedByTheHttpServer()
    {
        await using var user = await SignInAsync("refused");
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

        using var badToken = await RawConnection.OpenAsync(Realtime);
        await badToken.SendAsync(RawConnection.UpgradeHead(Realtime, user.Token[..^4] + "AAAA", key));
        var unauthorized = await badToken.ReadUntilAsync(text => text.Contains("\r\n\r\n", StringComparison.Ordinal), "the answer");
        Assert.StartsWith("HTTP/1.1 401 Unauthorized\r\n", unauthorized, StringComparison.Ordinal);
        Assert.Contains("WWW-Authenticate: Bearer", unauthorized, StringComparison.Ordinal);

        using var notAnUpgrade = await RawConnection.OpenAsync(Realtime);
        await notAnUpgrade.SendAsync($"GET /ws?access_token={Uri.EscapeDataString(user.Token)} HTTP/1.1\r\nHost: {Realtime.Authority}\r\n\r\n");
        var problem = await notAnUpgrade.ReadUntilAsync(text => text.Contains("WebSocket required", StringComparison.Ordinal), "the problem details");
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", problem, StringComparison.Ordinal);
    }
}
