using System.Security.Cryptography;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.EndToEnd;

/// <summary>
/// A hub connection that skipped negotiation is taken before Kestrel's HTTP server, as /ws connections are, and
/// SignalR's own hub handler runs it over the WebSocket (DirectHubConnection); a negotiated one stays the HTTP server's.
/// Over bare TCP to Realtime, so what is on the wire is what is checked: the 101 without Kestrel's Server header, the
/// handshake, an invocation and its completion, the events in between, SignalR's keep-alive ping.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DirectHubTests(AppHostFixture fixture, ITestOutputHelper output) : FrontDoorTests(fixture, output)
{
    private const char RecordSeparator = '\u001e';

    private Uri Realtime => Fixture.App.GetEndpoint(ResourceNames.Realtime);

    [Fact]
    public async Task AHubUpgradeThatSkippedNegotiationIsTakenDirectlyAndRunsTheHub()
    {
        await using var user = await SignInAsync("directhub");
        var thread = await user.CreateThreadAsync("direct");
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

        var (tcp, handshake) = await ConnectAsync(user, key);
        using var owned = tcp;
        var answer = handshake[..handshake.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols\r\n", answer, StringComparison.Ordinal);
        Assert.Contains($"Sec-WebSocket-Accept: {RawConnection.ExpectedAccept(key)}", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("Server: Kestrel", answer, StringComparison.Ordinal);

        await tcp.SendAsync(RawConnection.MaskedTextFrame(
            $$"""{"type":1,"invocationId":"7","target":"JoinThread","arguments":["{{thread}}",0]}{{RecordSeparator}}"""));
        var joined = (await tcp.ReadUntilAsync(text => text.Contains("\"invocationId\":\"7\"", StringComparison.Ordinal)
            && text.EndsWith(RecordSeparator), "the JoinThread completion"))[handshake.Length..];

        var created = joined.IndexOf("\"thread_created\"", StringComparison.Ordinal);
        var completion = joined.IndexOf("\"type\":3", StringComparison.Ordinal);
        Assert.True(created >= 0 && created < completion, $"The thread's first event before the join's answer: {joined}");
        Assert.Contains("\"target\":\"ThreadEvent\"", joined, StringComparison.Ordinal);
        Assert.DoesNotContain("\"error\"", joined[completion..], StringComparison.Ordinal);
        // Text frames: the first byte of each server frame is FIN + opcode 1.
        Assert.Equal('\x81', joined[0]);
    }

    [Fact]
    public async Task SignalRsKeepAlivePingReachesAnIdleDirectConnection()
    {
        await using var user = await SignInAsync("directping");
        var (tcp, handshake) = await ConnectAsync(user);
        using var owned = tcp;

        // SignalR pings a connection it has not written to for its keep-alive interval (15 s): the heartbeat drives it.
        var pinged = await tcp.ReadUntilAsync(text => text.IndexOf($"{{\"type\":6}}{RecordSeparator}", handshake.Length, StringComparison.Ordinal) > 0,
            "SignalR's ping");
        Assert.Contains("{\"type\":6}", pinged[handshake.Length..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageOverTheHubsSizeLimitClosesTheConnectionWithSignalRsError()
    {
        await using var user = await SignInAsync("directbig");
        var (tcp, handshake) = await ConnectAsync(user);
        using var owned = tcp;

        // 80 KB with no record separator: more than the hub's 64 KiB limit (Realtime:MaxFrameBytes), still no whole message.
        await tcp.SendAsync(RawConnection.MaskedTextFrame($$"""{"type":1,"target":"Typing","arguments":["{{new string('a', 80_000)}}"""));
        var closed = (await tcp.ReadUntilAsync(text => text.IndexOf("\x88", handshake.Length, StringComparison.Ordinal) > 0, "the close frame"))[handshake.Length..];

        Assert.Contains("\"type\":7", closed, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"Connection closed with an error.\"", closed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANegotiatedHubConnectionStaysTheHttpServers()
    {
        await using var user = await SignInAsync("negotiated");
        using var tcp = await RawConnection.OpenAsync(Realtime);
        var head = RawConnection.UpgradeHead(Realtime, user.Token, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)), "/hubs/agent")
            .Replace("/hubs/agent?", "/hubs/agent?id=unknown-connection&", StringComparison.Ordinal);

        await tcp.SendAsync(head);
        var answer = await tcp.ReadUntilAsync(RawConnection.EndsWithWholeResponse, "SignalR's answer");

        // SignalR's HTTP layer answers for a connection id it never negotiated.
        Assert.StartsWith("HTTP/1.1 404 Not Found\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Server: Kestrel", answer, StringComparison.Ordinal);
    }

    private Task<(RawConnection Tcp, string Handshake)> ConnectAsync(AgentsClient user, string? key = null) =>
        RawConnection.OpenHubAsync(Realtime, user.Token, key: key);
}
