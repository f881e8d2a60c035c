using System.Diagnostics;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.EndToEnd;

/// <summary>
/// SignalR's keep-alive ping to directly taken hub connections comes from Realtime's heartbeat, each connection at its
/// own second of the interval: connections opened together are pinged apart, not in one burst (as SignalR's own
/// keep-alive did), and each is still pinged once an interval, in its protocol. Its own AppHost, with a 4 s interval.
/// </summary>
public sealed class HubKeepAliveTests(ITestOutputHelper output)
{
    private const int IntervalSeconds = 4;
    private const string JsonPing = "{\"type\":6}\u001e";
    // A binary WebSocket frame of 3 bytes: SignalR's MessagePack ping (length 2, then the array [6]).
    private const string MessagePackPingFrame = "\u0082\u0003\u0002\u0091\u0006";

    [Fact]
    public async Task ConnectionsOpenedTogetherArePingedApartOnceAnIntervalEach()
    {
        await using var app = await TestApps.StartAppHostAsync(output, builder => builder.Project(ResourceNames.Realtime)
            .WithEnvironment("Realtime__HubKeepAliveInterval", $"00:00:0{IntervalSeconds}"));
        var realtime = app.GetEndpoint(ResourceNames.Realtime);
        var frontDoor = app.GetEndpoint(ResourceNames.Web);
        var users = new List<AgentsClient>();
        var connections = new List<(RawConnection Tcp, int From, string Ping)>();
        try
        {
            // 24 JSON connections from three users (a user may hold 20), and one MessagePack, opened one after another.
            for (var u = 0; u < 3; u++)
            {
                users.Add(await AgentsClient.SignInAsync(frontDoor, $"keepalive{u}"));
            }
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < 25; i++)
            {
                var messagePack = i == 24;
                var (tcp, handshake) = await RawConnection.OpenHubAsync(realtime, users[i % 3].Token, messagePack ? "messagepack" : "json");
                connections.Add((tcp, handshake.Length, messagePack ? MessagePackPingFrame : JsonPing));
            }
            output.WriteLine($"opened in {clock.Elapsed.TotalSeconds:F1} s");

            // When each connection is sent its first two pings, in seconds from when the last one was opened.
            clock.Restart();
            var pings = await Task.WhenAll(connections.Select(async c =>
            {
                var times = new double[2];
                for (var n = 1; n <= 2; n++)
                {
                    await c.Tcp.ReadUntilAsync(text => Count(text, c.From, c.Ping) >= n, $"ping {n}");
                    times[n - 1] = clock.Elapsed.TotalSeconds;
                }
                return times;
            }));

            foreach (var (first, second) in pings.Select(p => (p[0], p[1])))
            {
                Assert.True(first < IntervalSeconds + 1.5, $"a first ping {first:F1} s after the connections opened");
                Assert.InRange(second - first, IntervalSeconds - 1.5, IntervalSeconds + 1.5);
            }
            // The heartbeat ticks once a second: pings of one tick arrive together, and the first pings span several ticks.
            var ticks = Clusters(pings.Select(p => p[0]));
            Assert.True(ticks >= 3, $"the first pings came in {ticks} bursts: {string.Join(", ", pings.Select(p => p[0].ToString("F2")))}");
        }
        finally
        {
            connections.ForEach(c => c.Tcp.Dispose());
            foreach (var user in users)
            {
                await user.DisposeAsync();
            }
        }
    }

    private static int Count(string received, int from, string ping)
    {
        var count = 0;
        for (var at = received.IndexOf(ping, from, StringComparison.Ordinal); at >= 0; at = received.IndexOf(ping, at + ping.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>How many groups the times fall into, a group ending where the next time is more than half a second later.</summary>
    private static int Clusters(IEnumerable<double> times)
    {
        var sorted = times.Order().ToArray();
        return 1 + sorted.Zip(sorted.Skip(1)).Count(pair => pair.Second - pair.First > 0.5);
    }
}
