using Agents.Protocol;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.EndToEnd;

/// <summary>
/// The /ws heartbeat (one timer for all clients of an instance): it pings every client when due and disconnects one
/// that has been silent past the dead-peer timeout, and only that one. Its own AppHost, with a 1 s ping interval and a
/// 3 s timeout.
/// </summary>
public sealed class WebSocketHeartbeatTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryClientIsPingedAndOnlyTheSilentOneIsDisconnected()
    {
        await using var app = await TestApps.StartAppHostAsync(output, builder => builder.Project(ResourceNames.Realtime)
            .WithEnvironment("Realtime__WebSocketPingInterval", "00:00:01")
            .WithEnvironment("Realtime__WebSocketDeadPeerTimeout", "00:00:03"));
        var frontDoor = app.GetEndpoint(ResourceNames.Web);
        await using var user = await AgentsClient.SignInAsync(frontDoor, "heartbeat");
        await using var answering = await WsClient.ConnectAsync(frontDoor, user.Token);
        await using var silent = await WsClient.ConnectAsync(frontDoor, user.Token);
        await answering.WaitForTypeAsync(EventTypes.ConnectionEstablished);
        await silent.WaitForTypeAsync(EventTypes.ConnectionEstablished);

        // The answering client replies to every ping for 8 s: more than twice the timeout.
        var answered = 0;
        var until = DateTime.UtcNow.AddSeconds(8);
        while (DateTime.UtcNow < until)
        {
            var pings = answering.Frames.Count(f => f.GetProperty("type").GetString() == EventTypes.Ping);
            for (; answered < pings; answered++)
            {
                await answering.SendAsync(WsClient.Frame(EventTypes.Pong));
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        // One ping a second, never more, and none a second late because the heartbeat's tick came a hair early.
        Assert.True(answered is >= 6 and <= 10, $"the answering client was pinged {answered} times in 8 s");
        Assert.True(silent.Frames.Any(f => f.GetProperty("type").GetString() == EventTypes.Ping), "the silent client was pinged too");
        Assert.True(silent.Ended, "the silent client is disconnected after 3 s without a word");
        Assert.False(answering.Ended, "the answering client stays connected");
        await answering.SendAsync(WsClient.Frame(EventTypes.Ping, requestId: "still-here"));
        await answering.WaitForTypeAsync(EventTypes.Pong, "still-here");
    }
}
