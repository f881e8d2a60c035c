using Agents.Messaging;
using Agents.Protocol;
using Agents.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StackExchange.Redis;

namespace Agents.Tests.EndToEnd;

/// <summary>The whole app's run queue: how the Api's workers learn of queued runs (a notice, and each other).</summary>
public sealed class RunQueueTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("1")]
    [InlineData("4")]
    public async Task EveryRunQueuedByOneTransactionIsTakenWithoutWaitingForThePoll(string workers)
    {
        // The poll is an hour away, so only the notice and the workers waking one another can take these runs.
        await using var app = await TestApps.StartAppHostAsync(output, builder => builder.Project(ResourceNames.Api)
            .WithEnvironment("Agent__QueuePollInterval", "01:00:00").WithEnvironment("Agent__Workers", workers));
        await using var alice = await AgentsClient.SignInAsync(app.GetEndpoint(ResourceNames.Web), "alice");
        var thread = await alice.StartThreadAsync("Three at once");
        var cancel = TestContext.Current.CancellationToken;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await app.GetConnectionStringAsync(ResourceNames.Cache, cancel) ?? "");
        await using var dataSource = NpgsqlDataSource.Create(await app.GetConnectionStringAsync(ResourceNames.Database, cancel) ?? "");
        var store = new MessageStore(dataSource, new EventPublisher(redis, NullLogger<EventPublisher>.Instance), new WorkerRegistry(redis, TimeProvider.System));

        // Stored as Realtime stores a burst: three messages, three runs, one transaction, so one notice.
        var stored = await store.PostAsync(thread, "alice", [new("q1", "hello"), new("q2", "hi"), new("q3", "hey")], cancel);

        Assert.NotNull(stored);
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Count(e => e.Type == EventTypes.LlmResponse) == 3, "a reply to each of the three",
            TimeSpan.FromSeconds(30));
    }
}
