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
        await using var scene = await StartAsync("Three at once", builder => builder.Project(ResourceNames.Api)
            .WithEnvironment("Agent__QueuePollInterval", "01:00:00").WithEnvironment("Agent__Workers", workers));
        var (app, alice, thread, dataSource) = scene;
        var cancel = TestContext.Current.CancellationToken;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await app.GetConnectionStringAsync(ResourceNames.Cache, cancel) ?? "");
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
        await using var scene = await StartAsync("A broken run");
        var (_, alice, thread, dataSource) = scene;

        // A plan whose saved state no longer reads as one (as a bad migration would leave it): executing it throws.
        var run = await InsertRunAsync(dataSource, thread, "'plan', 'queued'", "'{\"steps\": 5}'", "state");
        await using (var notify = dataSource.CreateCommand("NOTIFY runs_queued"))
        {
            await notify.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.BotStatus
            && e.Payload.GetProperty("status").GetString() == BotStatuses.Error && e.Payload.GetProperty("run_id").GetGuid() == run), "the broken run's error");
        Assert.Equal("failed: The run failed unexpectedly and was stopped.", await RunOutcomeAsync(dataSource, run, "status || ': ' || error"));
        // The same worker, the same Api, go on.
        await alice.SendAsync(thread, "hello");
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmResponse), "a reply to the next message");
    }

    [Fact]
    public async Task ARunWhoseHolderStoppedTooOftenIsGivenUpAndItsThreadToldOnce()
    {
        await using var scene = await StartAsync("Given up");
        var (_, alice, thread, dataSource) = scene;

        // Held by a worker that went away an hour ago, after its third start (Agent:MaxAttempts).
        var run = await InsertRunAsync(dataSource, thread, "'reply', 'running'", "'gone', now() - interval '1 hour', 3", "worker_id, heartbeat_at, attempts");

        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.BotStatus
            && e.Payload.GetProperty("run_id").GetGuid() == run), "the given-up run's status", TimeSpan.FromSeconds(60));
        Assert.Equal("failed: worker lost too many times, no holder",
            await RunOutcomeAsync(dataSource, run, "status || ': ' || error || ', ' || coalesce(worker_id, 'no holder')"));
        var told = Assert.Single(alice.EventsOf(thread), e => e.Type == EventTypes.BotStatus);
        Assert.Equal(BotStatuses.Error, told.Payload.GetProperty("status").GetString());
    }

    /// <summary>The whole app, alice signed in with a thread of hers, and a connection to its database.</summary>
    private async Task<Scene> StartAsync(string title, Action<IDistributedApplicationTestingBuilder>? change = null)
    {
        var app = await TestApps.StartAppHostAsync(output, change);
        var alice = await AgentsClient.SignInAsync(app.GetEndpoint(ResourceNames.Web), "alice");
        var thread = await alice.StartThreadAsync(title);
        var dataSource = NpgsqlDataSource.Create(await app.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken) ?? "");
        return new Scene(app, alice, thread, dataSource);
    }

    private sealed record Scene(DistributedApplication App, AgentsClient Alice, Guid Thread, NpgsqlDataSource DataSource) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await DataSource.DisposeAsync();
            await Alice.DisposeAsync();
            await App.DisposeAsync();
        }
    }

    /// <summary>A run of alice's in <paramref name="thread"/>, written straight to the table: kind and status as given
    /// (SQL literals), and the <paramref name="columns"/> given <paramref name="values"/>.</summary>
    private static async Task<Guid> InsertRunAsync(NpgsqlDataSource dataSource, Guid thread, string kindAndStatus, string values, string columns)
    {
        var run = Guid.CreateVersion7();
        await using var insert = dataSource.CreateCommand(
            $"INSERT INTO runs (id, thread_id, requested_by, trigger_seq, kind, status, {columns}) VALUES ($1, $2, 'alice', 1, {kindAndStatus}, {values})");
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = run });
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = thread });
        await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return run;
    }

    private static async Task<object?> RunOutcomeAsync(NpgsqlDataSource dataSource, Guid run, string expression)
    {
        await using var query = dataSource.CreateCommand($"SELECT {expression} FROM runs WHERE id = $1");
        query.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = run });
        return await query.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
