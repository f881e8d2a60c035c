using Agents.Messaging;
using Agents.Protocol;
using Agents.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StackExchange.Redis;

namespace Agents.Tests.EndToEnd;

/// <summary>The whole app's run queue: how the Api's workers learn of queued runs (a notice, and each other), and what a
/// run that cannot be executed does to them.</summary>
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

    [Fact]
    public async Task ARunThatCannotBeExecutedFailsAloneAndTheApiGoesOnAnswering()
    {
        await using var app = await TestApps.StartAppHostAsync(output);
        await using var alice = await AgentsClient.SignInAsync(app.GetEndpoint(ResourceNames.Web), "alice");
        var thread = await alice.StartThreadAsync("A broken run");
        var cancel = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await app.GetConnectionStringAsync(ResourceNames.Database, cancel) ?? "");

        // A plan whose saved state no longer reads as one (as a bad migration would leave it): executing it throws.
        var run = Guid.CreateVersion7();
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO runs (id, thread_id, kind, status, requested_by, trigger_seq, state) VALUES ($1, $2, 'plan', 'queued', 'alice', 1, '{\"steps\": 5}')"))
        {
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = run });
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = thread });
            await insert.ExecuteNonQueryAsync(cancel);
        }
        await using (var notify = dataSource.CreateCommand("NOTIFY runs_queued"))
        {
            await notify.ExecuteNonQueryAsync(cancel);
        }

        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.BotStatus
            && e.Payload.GetProperty("status").GetString() == BotStatuses.Error && e.Payload.GetProperty("run_id").GetGuid() == run), "the broken run's error");
        await using (var status = dataSource.CreateCommand("SELECT status || ': ' || error FROM runs WHERE id = $1"))
        {
            status.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = run });
            Assert.Equal("failed: The run failed unexpectedly and was stopped.", await status.ExecuteScalarAsync(cancel));
        }
        // The same worker, the same Api, go on.
        await alice.SendAsync(thread, "hello");
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmResponse), "a reply to the next message");
    }

    [Fact]
    public async Task ARunWhoseHolderStoppedTooOftenIsGivenUpAndItsThreadToldOnce()
    {
        await using var app = await TestApps.StartAppHostAsync(output);
        await using var alice = await AgentsClient.SignInAsync(app.GetEndpoint(ResourceNames.Web), "alice");
        var thread = await alice.StartThreadAsync("Given up");
        var cancel = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await app.GetConnectionStringAsync(ResourceNames.Database, cancel) ?? "");

        // Held by a worker that went away an hour ago, after its third start (Agent:MaxAttempts).
        var run = Guid.CreateVersion7();
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO runs (id, thread_id, kind, status, requested_by, trigger_seq, worker_id, heartbeat_at, attempts)
            VALUES ($1, $2, 'reply', 'running', 'alice', 1, 'gone', now() - interval '1 hour', 3)
            """))
        {
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = run });
            insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = thread });
            await insert.ExecuteNonQueryAsync(cancel);
        }

        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.BotStatus
            && e.Payload.GetProperty("run_id").GetGuid() == run), "the given-up run's status", TimeSpan.FromSeconds(60));
        await using (var status = dataSource.CreateCommand("SELECT status || ': ' || error || ', ' || coalesce(worker_id, 'no holder') FROM runs WHERE id = $1"))
        {
            status.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = run });
            Assert.Equal("failed: worker lost too many times, no holder", await status.ExecuteScalarAsync(cancel));
        }
        var told = Assert.Single(alice.EventsOf(thread), e => e.Type == EventTypes.BotStatus);
        Assert.Equal(BotStatuses.Error, told.Payload.GetProperty("status").GetString());
    }
}
