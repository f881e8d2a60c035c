using Agents.Protocol;
using Agents.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Agents.Tests.EndToEnd;

/// <summary>The AppHost's model with two Realtime replicas; clients connect to one replica or the other directly.</summary>
public sealed class ReplicaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ClientsOnDifferentReplicasShareAThreadAndLoseNothingWhenOneReplicaDies()
    {
        await using var app = await TestApps.StartAppHostAsync(output, builder => builder.Project(ResourceNames.Realtime).WithReplicas(2));

        var frontDoor = app.GetEndpoint(ResourceNames.Web);
        await using var alice = await AgentsClient.SignInAsync(frontDoor, "alice");
        await using var bob = await AgentsClient.SignInAsync(frontDoor, "bob");
        var thread = await alice.CreateThreadAsync("Across replicas");
        await alice.InviteAsync(thread, bob.UserName);
        await alice.ConnectAsync(app.GetEndpoint(ResourceNames.Realtime, 0));
        await bob.ConnectAsync(app.GetEndpoint(ResourceNames.Realtime, 1));
        await alice.JoinAsync(thread);
        await bob.JoinAsync(thread);

        // Messages, presence and typing cross from one replica to the other.
        await alice.WaitUntilAsync(c => c.PresenceEvents.Any(p => p.Users.Contains("bob")), "bob online (replica 1)");
        await bob.Hub.InvokeAsync("Typing", thread, true, TestContext.Current.CancellationToken).WithTimeout();
        await alice.WaitUntilAsync(c => c.TypingEvents.Any(t => t.UserName == "bob" && t.IsTyping), "bob typing (replica 1)");
        var hello = await bob.SendAsync(thread, "hello from replica 1");
        await alice.WaitForSeqAsync(thread, hello.Seq);
        var reply = await alice.SendAsync(thread, "hello from replica 0");
        await bob.WaitForSeqAsync(thread, reply.Seq);

        // Bob keeps talking while alice's replica is killed; alice reconnects to the other replica from her last seq.
        var talking = Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++)
            {
                await bob.SendAsync(thread, $"mid-stream {i}");
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);
        await Task.Delay(400, TestContext.Current.CancellationToken);
        System.Diagnostics.Process.GetProcessById(app.PidOf($"{ResourceNames.Realtime}-0")).Kill();
        await WaitForExitAsync(app, $"{ResourceNames.Realtime}-0").WithTimeout();
        var lastSeen = alice.EventsOf(thread).Max(e => e.Seq);
        await alice.ConnectAsync(app.GetEndpoint(ResourceNames.Realtime, 1));
        await alice.JoinAsync(thread, lastSeen);
        await talking.WithTimeout();
        await bob.WaitUntilAsync(c => c.EventsOf(thread).Count(e => e.Type == EventTypes.LlmResponse) == 17, "all 17 replies", TimeSpan.FromSeconds(60));
        var final = bob.EventsOf(thread).Max(e => e.Seq);
        await alice.WaitForSeqAsync(thread, final);

        var seen = alice.EventsOf(thread).Select(e => e.Seq).Where(s => s <= final).ToArray();
        Assert.Equal(Enumerable.Range(1, (int)final).Select(s => (long)s), seen);
        Assert.Equal(Enumerable.Range(1, (int)final).Select(s => (long)s), bob.EventsOf(thread).Select(e => e.Seq).Where(s => s <= final));
    }

    private static async Task WaitForExitAsync(DistributedApplication app, string resourceId)
    {
        while (!KnownResourceStates.IsTerminal(app.Of(resourceId).State))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
