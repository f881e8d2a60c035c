using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Agents.Protocol;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.EndToEnd;

/// <summary>The plain WebSocket protocol at /ws, through the front door, with a real ClientWebSocket.</summary>
[Collection(AppHostCollection.Name)]
public sealed class WebSocketTests(AppHostFixture fixture, ITestOutputHelper output) : FrontDoorTests(fixture, output)
{
    [Fact]
    public async Task ItSaysHelloAnswersPingAndHealth()
    {
        await using var user = await AgentsClient.SignInAsync(FrontDoor, NewUser("ws"));
        await using var ws = await WsClient.ConnectAsync(FrontDoor, user.Token);

        var hello = await ws.WaitForTypeAsync(EventTypes.ConnectionEstablished);
        Assert.Equal(user.UserName, hello.GetProperty("payload").GetProperty("user_name").GetString());
        Assert.Equal(ProtocolInfo.Version, hello.GetProperty("payload").GetProperty("protocol_version").GetInt32());

        await ws.SendAsync(WsClient.Frame(EventTypes.Ping, requestId: "p1"));
        await ws.WaitForTypeAsync(EventTypes.Pong, "p1");
        await ws.SendAsync(WsClient.Frame(EventTypes.HealthCheck, requestId: "h1"));
        var health = await ws.WaitForTypeAsync(EventTypes.HealthResponse, "h1");
        Assert.Equal("healthy", health.GetProperty("payload").GetProperty("status").GetString());

        using var http = new HttpClient { BaseAddress = FrontDoor };
        using var wsHealth = await http.GetAsync(new Uri("/ws/health", UriKind.Relative), TestContext.Current.CancellationToken).WithTimeout();
        Assert.Equal(HttpStatusCode.OK, wsHealth.StatusCode);
    }

    [Fact]
    public async Task JoinReplaysTheLogAndAUserMessageMakesTheRoundTrip()
    {
        await using var user = await AgentsClient.SignInAsync(FrontDoor, NewUser("ws"));
        var thread = await user.CreateThreadAsync("Over plain WebSocket");
        await using var ws = await WsClient.ConnectAsync(FrontDoor, user.Token);

        await ws.SendAsync(WsClient.Frame(EventTypes.JoinThread, new { thread_id = thread, after_seq = 0 }, "j1"));
        var joined = await ws.WaitForTypeAsync(EventTypes.ThreadJoined, "j1");
        Assert.Equal(1, joined.GetProperty("payload").GetProperty("last_seq").GetInt64());
        var created = await ws.WaitForTypeAsync(EventTypes.ThreadCreated);
        Assert.Equal(1, created.GetProperty("seq").GetInt64());

        await ws.SendAsync(WsClient.Frame(EventTypes.UserMessage, new { thread_id = thread, client_message_id = "m1", text = "help" }, "m1"));
        var accepted = await ws.WaitForTypeAsync(EventTypes.MessageAccepted, "m1");
        var seq = accepted.GetProperty("payload").GetProperty("seq").GetInt64();
        var echoed = await ws.WaitForAsync(f => f.GetProperty("type").GetString() == EventTypes.UserMessage && f.GetProperty("seq").GetInt64() == seq, "the message event");
        Assert.Equal("help", echoed.GetProperty("payload").GetProperty("text").GetString());
        var reply = await ws.WaitForTypeAsync(EventTypes.LlmResponse);
        Assert.Contains("built-in agent", reply.GetProperty("payload").GetProperty("response").GetString(), StringComparison.Ordinal);

        // Thread events come in seq order, each once.
        var seqs = ws.Frames.Where(f => f.TryGetProperty("seq", out _)).Select(f => f.GetProperty("seq").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(1, seqs.Length).Select(s => (long)s), seqs);
    }

    [Fact]
    public async Task TheClientsOwnPingsAreAnsweredAmongTheEventsOfABusyThread()
    {
        await using var user = await AgentsClient.SignInAsync(FrontDoor, NewUser("ws"));
        var thread = await user.CreateThreadAsync("Pinged while busy");
        // WebSocket-level pings every 20 ms; no pong within a second and the client gives up. Realtime writes its own
        // frames under ASP.NET Core's WebSocket, which answers the pings: a pong lost, or written inside a frame, breaks this.
        await using var ws = await WsClient.ConnectAsync(FrontDoor, user.Token, options =>
        {
            options.KeepAliveInterval = TimeSpan.FromMilliseconds(20);
            options.KeepAliveTimeout = TimeSpan.FromSeconds(1);
        });
        await ws.SendAsync(WsClient.Frame(EventTypes.JoinThread, new { thread_id = thread, after_seq = 0 }, "j1"));
        await ws.WaitForTypeAsync(EventTypes.ThreadJoined, "j1");

        const int Messages = 12;
        for (var i = 0; i < Messages; i++)
        {
            await ws.SendAsync(WsClient.Frame(EventTypes.UserMessage, new { thread_id = thread, client_message_id = $"m{i}", text = $"help {i}" }, $"m{i}"));
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        await ws.WaitForAsync(f => f.GetProperty("type").GetString() == EventTypes.LlmResponse
            && ws.Frames.Count(g => g.GetProperty("type").GetString() == EventTypes.LlmResponse) == Messages, "every reply");

        Assert.False(ws.Ended);
        Assert.Equal(WebSocketState.Open, ws.State);
        var seqs = ws.Frames.Where(f => f.TryGetProperty("seq", out _)).Select(f => f.GetProperty("seq").GetInt64()).ToArray();
        Assert.Equal(Enumerable.Range(1, seqs.Length).Select(s => (long)s), seqs);
    }

    [Fact]
    public async Task MessagesSentWithoutWaitingAreStoredInOrderAndALaterFrameWaitsForThem()
    {
        await using var user = await AgentsClient.SignInAsync(FrontDoor, NewUser("ws"));
        var thread = await user.CreateThreadAsync("Pipelined over plain WebSocket");
        await using var ws = await WsClient.ConnectAsync(FrontDoor, user.Token);
        await ws.SendAsync(WsClient.Frame(EventTypes.JoinThread, new { thread_id = thread, after_seq = 0 }, "j1"));
        await ws.WaitForTypeAsync(EventTypes.ThreadJoined, "j1");

        const int Messages = 15;
        for (var i = 0; i < Messages; i++)
        {
            await ws.SendAsync(WsClient.Frame(EventTypes.UserMessage, new { thread_id = thread, client_message_id = $"m{i}", text = $"note {i}" }, $"m{i}"));
        }
        await ws.SendAsync(WsClient.Frame(EventTypes.LeaveThread, new { thread_id = thread }, "l1"));
        await ws.WaitForTypeAsync(EventTypes.ThreadLeft, "l1");

        // Every message was answered before the leave was: it waited for them.
        var answered = ws.Frames.TakeWhile(f => f.GetProperty("type").GetString() != EventTypes.ThreadLeft)
            .Where(f => f.GetProperty("type").GetString() == EventTypes.MessageAccepted).ToArray();
        Assert.Equal(Messages, answered.Length);
        var seqOf = answered.ToDictionary(f => f.GetProperty("request_id").GetString()!, f => f.GetProperty("payload").GetProperty("seq").GetInt64());
        var seqs = Enumerable.Range(0, Messages).Select(i => seqOf[$"m{i}"]).ToArray();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(Messages, seqs.Distinct().Count());
    }

    [Fact]
    public async Task BadFramesGetTypedErrorsAndNobodyIsDisconnected()
    {
        await using var user = await AgentsClient.SignInAsync(FrontDoor, NewUser("ws"));
        await using var bystander = await AgentsClient.SignInAsync(FrontDoor, NewUser("ws"));
        await using var owner = await AgentsClient.SignInAsync(FrontDoor, NewUser("owner"));
        var foreign = await owner.CreateThreadAsync("Not yours");
        await using var ws = await WsClient.ConnectAsync(FrontDoor, user.Token);
        await using var other = await WsClient.ConnectAsync(FrontDoor, bystander.Token);
        await ws.WaitForTypeAsync(EventTypes.ConnectionEstablished);

        await ws.SendRawAsync("this is not json");
        await ws.SendAsync(new { type = "make_coffee", request_id = "u1" });
        await ws.SendAsync(new { type = EventTypes.JoinThread, payload = "not an object", request_id = "v1" });
        await ws.SendAsync(WsClient.Frame(EventTypes.JoinThread, new { thread_id = foreign, after_seq = 0 }, "n1"));
        await ws.SendRawAsync(JsonSerializer.Serialize(new { type = EventTypes.Ping, padding = new string('x', 70_000) }));

        string[] expected = [ErrorCodes.MalformedJson, ErrorCodes.UnknownType, ErrorCodes.Validation, ErrorCodes.NotMember, ErrorCodes.FrameTooLarge];
        foreach (var code in expected)
        {
            await ws.WaitForAsync(f => f.GetProperty("type").GetString() == EventTypes.Error && f.GetProperty("payload").GetProperty("code").GetString() == code, code);
        }
        var unknown = await ws.WaitForAsync(f => f.TryGetProperty("request_id", out var r) && r.GetString() == "u1", "u1");
        Assert.Equal(ErrorCodes.UnknownType, unknown.GetProperty("payload").GetProperty("code").GetString());

        // Both connections still work.
        await ws.SendAsync(WsClient.Frame(EventTypes.Ping, requestId: "after"));
        await ws.WaitForTypeAsync(EventTypes.Pong, "after");
        await other.SendAsync(WsClient.Frame(EventTypes.Ping, requestId: "other"));
        await other.WaitForTypeAsync(EventTypes.Pong, "other");
        Assert.Equal(WebSocketState.Open, ws.State);
    }

    [Fact]
    public async Task AUserOverTheConnectionLimitIsRefusedWithATypedError()
    {
        await using var user = await SignInAsync("many");
        var open = new List<WsClient>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var ws = await WsClient.ConnectAsync(FrontDoor, user.Token);
                open.Add(ws);
                await ws.WaitForTypeAsync(EventTypes.ConnectionEstablished);
            }
            await using var extra = await WsClient.ConnectAsync(FrontDoor, user.Token);

            var refused = await extra.WaitForTypeAsync(EventTypes.Error);
            Assert.Equal(ErrorCodes.TooManyConnections, refused.GetProperty("payload").GetProperty("code").GetString());
            Assert.DoesNotContain(extra.Frames, f => f.GetProperty("type").GetString() == EventTypes.ConnectionEstablished);

            // Closing one makes room again.
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Task.Delay(200, TestContext.Current.CancellationToken);
            await using var again = await WsClient.ConnectAsync(FrontDoor, user.Token);
            await again.WaitForTypeAsync(EventTypes.ConnectionEstablished);
        }
        finally
        {
            foreach (var ws in open)
            {
                await ws.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task WithoutATokenTheUpgradeIsRefused()
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(FrontDoor, token: null));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignalRAndWebSocketClientsShareOneThread()
    {
        await using var alice = await SignInAsync("alice");
        await using var bob = await SignInAsync("bob");
        var thread = await alice.CreateThreadAsync("Mixed");
        await alice.InviteAsync(thread, bob.UserName);
        await alice.ConnectAsync();
        await alice.JoinAsync(thread);
        await using var ws = await WsClient.ConnectAsync(FrontDoor, bob.Token);
        await ws.SendAsync(WsClient.Frame(EventTypes.JoinThread, new { thread_id = thread, after_seq = 0 }, "j"));
        await ws.WaitForTypeAsync(EventTypes.ThreadJoined, "j");
        await alice.WaitUntilAsync(c => c.PresenceEvents.Any(p => p.Users.Contains(bob.UserName)), "bob online");

        await ws.SendAsync(WsClient.Frame(EventTypes.Typing, new { thread_id = thread, is_typing = true }));
        await alice.WaitUntilAsync(c => c.TypingEvents.Any(t => t.UserName == bob.UserName && t.IsTyping), "bob typing");
        await ws.SendAsync(WsClient.Frame(EventTypes.UserMessage, new { thread_id = thread, client_message_id = "w1", text = "from the socket" }, "w1"));
        var seq = (await ws.WaitForTypeAsync(EventTypes.MessageAccepted, "w1")).GetProperty("payload").GetProperty("seq").GetInt64();
        await alice.WaitForSeqAsync(thread, seq);
        Assert.Equal("from the socket", alice.EventsOf(thread).Single(e => e.Seq == seq).Payload.GetProperty("text").GetString());

        var fromHub = await alice.SendAsync(thread, "from the hub");
        var received = await ws.WaitForAsync(f => f.TryGetProperty("seq", out var s) && s.GetInt64() == fromHub.Seq, "alice's message");
        Assert.Equal(EventTypes.UserMessage, received.GetProperty("type").GetString());
    }
}
