using Agents.Tests.Infrastructure;

namespace Agents.Tests.EndToEnd;

/// <summary>Realtime gives the memory of a burst back once no client is being served, and never pauses while one is.</summary>
public sealed class IdleHeapCompactionTests(ITestOutputHelper output)
{
    private const string Compacted = "Idle heap compaction:";

    [Fact]
    public async Task AfterABurstOfConnectionsTheHeapIsCompactedOnceClientsAreNoLongerServedAndNotBefore()
    {
        // Small thresholds (1 MiB of growth, 2 s without client work): the real ones (16 MiB, 3 s) need thousands of
        // connections (bench/realtime). One user holds every connection of the burst.
        await using var app = await TestApps.StartAppHostAsync(output, builder => builder.Project(ResourceNames.Realtime).WithEnvironment(context =>
        {
            context.EnvironmentVariables["Realtime__CompactHeapGrowthMiB"] = "1";
            context.EnvironmentVariables["Realtime__CompactHeapQuietSeconds"] = "2";
            context.EnvironmentVariables["Realtime__MaxConnectionsPerUser"] = "1000";
            return ValueTask.CompletedTask;
        }));
        int Compactions() => app.ResourceLogs.GetLogs(ResourceNames.Realtime).Count(line => line.Content.Contains(Compacted, StringComparison.Ordinal));
        await using var alice = await AgentsClient.SignInAsync(app.GetEndpoint(ResourceNames.Web), "alice");
        var thread = await alice.StartThreadAsync("Busy");

        // The burst: 800 connections, which grow Realtime's heap by several MiB, and stay open. The policy wants growth past
        // a quarter of the heap's smallest size as well; with 300 this test failed on some machines and passed on others.
        var burst = new List<WsClient>();
        try
        {
            for (var i = 0; i < 800; i++)
            {
                burst.Add(await WsClient.ConnectAsync(app.GetEndpoint(ResourceNames.Web), alice.Token));
            }

            // Right after it, clients are served without a break: a message every 400 ms, each answered by the agent. None
            // of it may be paused by a compaction, though the heap has grown.
            var before = Compactions();
            for (var i = 0; i < 25; i++)
            {
                await alice.SendAsync(thread, $"hello {i}");
                await Task.Delay(400, TestContext.Current.CancellationToken);
            }
            Assert.Equal(before, Compactions());

            // Quiet, with the burst's connections still open and idle: the compaction comes.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (Compactions() == before && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
            Assert.True(Compactions() > before, "no compaction once the server was quiet");
        }
        finally
        {
            foreach (var client in burst)
            {
                await client.DisposeAsync();
            }
        }
    }
}
