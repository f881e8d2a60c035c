using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text;
using Agents.Api.Database;
using Agents.Api.Events;
using Agents.Messaging;
using Agents.Protocol;
using Agents.Realtime.Hub;
using Agents.Realtime.Limits;
using Agents.Realtime.Memory;
using Agents.Realtime.Threads;
using Agents.Realtime.WebSockets;
using Agents.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using StackExchange.Redis;

namespace Agents.Tests.Integration;

/// <summary>
/// The message store (<c>post_messages</c> through <see cref="MessageStore"/>) against a real Postgres with the Api's
/// migrations and a real Redis, and Realtime's queue of a connection's messages (<see cref="OutgoingMessages"/>) on top
/// of it: what both services rely on when they store a sender's messages.
/// </summary>
public sealed class MessageStoreTests(MessageStoreTests.StoreFixture fixture) : IClassFixture<MessageStoreTests.StoreFixture>
{
    [Fact]
    public async Task AMembersMessagesGetTheNextSeqsInTheOrderGivenAndGoOnTheStream()
    {
        await fixture.Workers.RefreshAsync("a-worker", TimeSpan.FromMinutes(1));
        var thread = await fixture.CreateThreadAsync("ann");

        var stored = await fixture.Store.PostAsync(thread, "ann", [new("c1", "one"), new("c2", "two"), new("c3", "three")], Cancel);

        Assert.NotNull(stored);
        Assert.Equal([1L, 2L, 3L], stored.Results.Select(r => r.Seq));
        Assert.All(stored.Results, r => Assert.False(r.Duplicate));
        Assert.Equal(["one", "two", "three"], stored.Events.Select(e => e.Payload.GetProperty("text").GetString()));
        Assert.All(stored.Events, e => Assert.Equal(EventTypes.UserMessage, e.Type));
        Assert.Equal(3, await fixture.LastSeqAsync(thread));
        Assert.Equal([1L, 2L, 3L], (await fixture.StreamEventsAsync(thread)).Select(e => e.Seq));
        Assert.Equal(3, await fixture.QueuedRunsAsync(thread));
    }

    [Fact]
    public async Task ARetryWithTheSameClientMessageIdAnswersTheFirstSeqAndAppendsNothingForIt()
    {
        await fixture.Workers.RefreshAsync("a-worker", TimeSpan.FromMinutes(1));
        var thread = await fixture.CreateThreadAsync("bob");
        var first = await fixture.Store.PostAsync(thread, "bob", [new("same", "hello")], Cancel);

        var again = await fixture.Store.PostAsync(thread, "bob", [new("same", "hello, edited"), new("next", "more")], Cancel);

        Assert.NotNull(first);
        Assert.NotNull(again);
        Assert.Equal(first.Results[0] with { Duplicate = true }, again.Results[0]);
        Assert.Equal(2, again.Results[1].Seq);
        Assert.Equal(["more"], again.Events.Select(e => e.Payload.GetProperty("text").GetString()));
        Assert.Equal(2, await fixture.LastSeqAsync(thread));
    }

    [Fact]
    public async Task ANonMemberOrAThreadThatDoesNotExistStoresNothing()
    {
        var thread = await fixture.CreateThreadAsync("cat");

        Assert.Null(await fixture.Store.PostAsync(thread, "mallory", [new("x", "let me in")], Cancel));
        Assert.Null(await fixture.Store.PostAsync(Guid.NewGuid(), "cat", [new("y", "anyone?")], Cancel));
        Assert.Equal(0, await fixture.LastSeqAsync(thread));
        Assert.Empty(await fixture.StreamEventsAsync(thread));
    }

    [Fact]
    public async Task WhileNoWorkerIsAliveTheThreadIsToldOnceThatNobodyCanAnswer()
    {
        await fixture.Workers.RemoveAsync("a-worker");
        var thread = await fixture.CreateThreadAsync("dan");

        var first = await fixture.Store.PostAsync(thread, "dan", [new("d1", "anyone?"), new("d2", "hello?")], Cancel);
        var later = await fixture.Store.PostAsync(thread, "dan", [new("d3", "still there?")], Cancel);

        Assert.NotNull(first);
        Assert.NotNull(later);
        Assert.Equal([(1L, EventTypes.UserMessage), (2L, EventTypes.BotStatus), (3L, EventTypes.UserMessage)], first.Events.Select(e => (e.Seq, e.Type)));
        Assert.Equal(BotStatuses.Offline, first.Events[1].Payload.GetProperty("status").GetString());
        Assert.Equal([1L, 3L], first.Results.Select(r => r.Seq));
        // Its run still waits: people were told already.
        Assert.Equal([(4L, EventTypes.UserMessage)], later.Events.Select(e => (e.Seq, e.Type)));
    }

    [Fact]
    public async Task AConnectionsMessagesSentWithoutWaitingAreStoredInTheOrderTheyWereSent()
    {
        await fixture.Workers.RefreshAsync("a-worker", TimeSpan.FromMinutes(1));
        var thread = await fixture.CreateThreadAsync("eve");
        var queue = new OutgoingMessages(fixture.Store, fixture.Delivery, "eve", thread, DateTimeOffset.MaxValue, TimeProvider.System, NullLogger.Instance);

        var sent = Enumerable.Range(1, 150).Select(i => queue.SendAsync($"e{i}", $"message {i}")).ToList();
        var results = await Task.WhenAll(sent).WithTimeout();

        // More than one store call's worth (100), in order across the calls.
        Assert.Equal(Enumerable.Range(1, 150).Select(i => (long)i), results.Select(r => r.Seq));
        Assert.Equal(150, await fixture.LastSeqAsync(thread));
    }

    [Fact]
    public async Task AMessageSentOnceTheConnectionsSignInHasExpiredIsRefusedAsUnauthorizedAndNotStored()
    {
        await fixture.Workers.RefreshAsync("a-worker", TimeSpan.FromMinutes(1));
        var thread = await fixture.CreateThreadAsync("fay");
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var skew = TimeSpan.FromSeconds(30);
        var queues = new MessageQueues(fixture.Store, fixture.Delivery, time, JwtOptions(skew), NullLogger<OutgoingMessages>.Instance);
        var connection = new ClientConnection("connection-1", "fay", Token("fay", expires: time.GetUtcNow().AddMinutes(1)), new NoEvents());

        time.Advance(TimeSpan.FromMinutes(1) + skew - TimeSpan.FromSeconds(1)); // expired, but within the skew its validation allows
        var accepted = await queues.For(connection, thread).SendAsync("f1", "just in time").WithTimeout();
        time.Advance(TimeSpan.FromSeconds(2));
        var refused = await Assert.ThrowsAsync<HubOperationException>(() => queues.For(connection, thread).SendAsync("f2", "too late"));

        Assert.Equal(1, accepted.Seq);
        Assert.Equal(ErrorCodes.Unauthorized, refused.Code);
        Assert.Equal(1, await fixture.LastSeqAsync(thread));
    }

    [Fact]
    public async Task WhenTheDatabaseCannotBeReachedTheSenderIsToldToTryAgain()
    {
        await using var nowhere = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={ClosedPort()};Username=agents;Password=x;Timeout=3");
        var store = new MessageStore(nowhere, fixture.Publisher, fixture.Workers);
        var queue = new OutgoingMessages(store, fixture.Delivery, "gus", Guid.NewGuid(), DateTimeOffset.MaxValue, TimeProvider.System, NullLogger.Instance);

        var failure = await Assert.ThrowsAsync<HubOperationException>(() => queue.SendAsync("g1", "hello?").WithTimeout());

        Assert.Equal(ErrorCodes.Unavailable, failure.Code);
    }

    [Fact]
    public async Task TheStoreHandsOnlyNewCommittedEventsToThisInstancesDelivery()
    {
        await fixture.Workers.RefreshAsync("a-worker", TimeSpan.FromMinutes(1));
        var thread = await fixture.CreateThreadAsync("hal");
        var handed = new List<(long Seq, long LastSeqThen, int OnStreamThen)>();
        void Committed(IReadOnlyList<ThreadEvent> events)
        {
            // What another session of the database sees then (committed), and what the stream has (not yet).
            var (lastSeq, onStream) = Task.Run(async () => (await fixture.LastSeqAsync(thread), (await fixture.StreamEventsAsync(thread)).Count)).GetAwaiter().GetResult();
            handed.AddRange(events.Select(e => (e.Seq, lastSeq, onStream)));
        }

        await fixture.Store.PostAsync(thread, "hal", [new("h1", "one"), new("h2", "two")], Cancel, Committed);
        await fixture.Store.PostAsync(thread, "hal", [new("h2", "two, again")], Cancel, Committed);

        Assert.Equal([(1L, 2L, 0), (2L, 2L, 0)], handed);
        Assert.Equal([1L, 2L], (await fixture.StreamEventsAsync(thread)).Select(e => e.Seq));
    }

    [Fact]
    public async Task ASendersMessageReachesThisInstancesMembersWithoutTheStream()
    {
        await fixture.Workers.RefreshAsync("a-worker", TimeSpan.FromMinutes(1));
        var thread = await fixture.CreateThreadAsync("ida");
        var delivery = fixture.NewDelivery();
        var (first, second) = (new RecordedEvents(), new RecordedEvents());
        await delivery.JoinAsync(new ClientConnection("ida-1", "ida", "", first), thread, 0, Cancel);
        await delivery.JoinAsync(new ClientConnection("ida-2", "ida", "", second), thread, 0, Cancel);
        var queue = new OutgoingMessages(fixture.Store, delivery, "ida", thread, DateTimeOffset.MaxValue, TimeProvider.System, NullLogger.Instance);

        // Nothing reads the stream here: what the members get, the store's own delivery sends them.
        var sent = await queue.SendAsync("i1", "hello, both").WithTimeout();
        await WaitUntilAsync(() => first.Seqs.Count > 0 && second.Seqs.Count > 0, "both members have the message");

        Assert.Equal([sent.Seq], first.Seqs);
        Assert.Equal([sent.Seq], second.Seqs);
        // The stream's copy finds everyone served (once the delivery has finished its round: the members may have
        // their copies a moment before): the reader skips it, and delivering it anyway sends nothing twice.
        var fromStream = await fixture.StreamEventsAsync(thread);
        var streamCopy = Assert.Single(fromStream);
        await WaitUntilAsync(() => delivery.DeliveredToAll(streamCopy.ThreadId, streamCopy.Seq), "the delivery counts the message as delivered to all");
        await delivery.DeliverAsync([.. fromStream.Select(e => new TracedEvent(e, default))], Cancel);
        Assert.Equal([sent.Seq], first.Seqs);
        Assert.Equal([sent.Seq], second.Seqs);
    }

    [Fact]
    public async Task AMemberStillWaitingForAnotherWritersEventGetsTheSendersMessageAfterItFromTheStream()
    {
        await fixture.Workers.RefreshAsync("a-worker", TimeSpan.FromMinutes(1));
        var thread = await fixture.CreateThreadAsync("jay");
        var delivery = fixture.NewDelivery();
        var early = new RecordedEvents();
        await delivery.JoinAsync(new ClientConnection("jay-early", "jay", "", early), thread, 0, Cancel);
        // Another writer's event (as the Api's are): committed and on the stream, not read here yet.
        await fixture.Store.PostAsync(thread, "jay", [new("j1", "from elsewhere")], Cancel);
        var late = new RecordedEvents();
        await delivery.JoinAsync(new ClientConnection("jay-late", "jay", "", late), thread, 0, Cancel); // has seq 1 from the log
        var queue = new OutgoingMessages(fixture.Store, delivery, "jay", thread, DateTimeOffset.MaxValue, TimeProvider.System, NullLogger.Instance);

        var sent = await queue.SendAsync("j2", "from here").WithTimeout();
        await WaitUntilAsync(() => late.Seqs.Count == 2, "the member that has seq 1 gets the message");

        Assert.Equal(2, sent.Seq);
        Assert.Equal([1L, 2L], late.Seqs);
        Assert.Empty(early.Seqs); // not 2 before 1
        var fromStream = await fixture.StreamEventsAsync(thread);
        Assert.False(delivery.DeliveredToAll(fromStream[^1].ThreadId, fromStream[^1].Seq));
        await delivery.DeliverAsync([.. fromStream.Select(e => new TracedEvent(e, default))], Cancel);
        Assert.Equal([1L, 2L], early.Seqs);
        Assert.Equal([1L, 2L], late.Seqs);
    }

    [Fact]
    public async Task AMessageCommittedDuringAFanOutJoinsItAndEveryMemberGetsBothOnceInOrder()
    {
        await fixture.Workers.RefreshAsync("a-worker", TimeSpan.FromMinutes(1));
        var thread = await fixture.CreateThreadAsync("kim");
        var delivery = fixture.NewDelivery();
        // The first member reads slowly: the fan-out of the first message waits on it, holding the thread.
        var slow = new RecordedEvents(holdFirstWrite: true);
        var others = Enumerable.Range(0, 63).Select(_ => new RecordedEvents()).ToArray();
        await delivery.JoinAsync(new ClientConnection("kim-slow", "kim", "", slow), thread, 0, Cancel);
        for (var i = 0; i < others.Length; i++)
        {
            await delivery.JoinAsync(new ClientConnection($"kim-{i}", "kim", "", others[i]), thread, 0, Cancel);
        }
        var queue = new OutgoingMessages(fixture.Store, delivery, "kim", thread, DateTimeOffset.MaxValue, TimeProvider.System, NullLogger.Instance);

        var first = await queue.SendAsync("k1", "one").WithTimeout();
        await slow.FirstWriteStarted.WithTimeout();
        var second = await queue.SendAsync("k2", "two").WithTimeout(); // committed while the fan-out of the first waits
        slow.Release();
        RecordedEvents[] everyone = [slow, .. others];
        await WaitUntilAsync(() => everyone.All(m => m.Seqs.Count >= 2), "every member has both messages");

        Assert.Equal([1L, 2L], [first.Seq, second.Seq]);
        Assert.All(everyone, m => Assert.Equal([1L, 2L], m.Seqs));
        // The members the fan-out had not reached when the second message was committed got both in one write; the
        // slow one, reached before, got the second in a pass of its own.
        Assert.Equal([[1L], [2L]], slow.Writes);
        Assert.Equal([1L, 2L], Assert.Single(others[^1].Writes));
        var streamCopy = (await fixture.StreamEventsAsync(thread))[^1];
        await WaitUntilAsync(() => delivery.DeliveredToAll(streamCopy.ThreadId, streamCopy.Seq), "the delivery counts both as delivered to all");
    }

    [Fact]
    public async Task EventsAppendedByOneStatementTakeTheNextSeqsInTheOrderGivenAndComeBackSo()
    {
        var thread = await fixture.CreateThreadAsync("lee");
        await fixture.Store.PostAsync(thread, "lee", [new("e1", "first")], Cancel);
        var before = await fixture.LastSeqAsync(thread);
        string[] types = ["bot_status", "llm_response", "bot_status"];
        var append = new EventAppend(thread, [.. types.Select((type, i) => (type, ProtocolJson.ToElement(new { n = i })))]);

        List<ThreadEvent> appended;
        await using (var connection = await fixture.DataSource.OpenConnectionAsync(Cancel))
        await using (var batch = new NpgsqlBatch(connection) { BatchCommands = { append.Command } })
        await using (var reader = await batch.ExecuteReaderAsync(Cancel))
        {
            appended = await append.ReadAsync(reader, Cancel);
        }

        Assert.Equal([before + 1, before + 2, before + 3], appended.Select(e => e.Seq));
        Assert.Equal(types, appended.Select(e => e.Type));
        Assert.Equal([0, 1, 2], appended.Select(e => e.Payload.GetProperty("n").GetInt32()));
        Assert.Equal(before + 3, await fixture.LastSeqAsync(thread));
        await using var read = await fixture.DataSource.OpenConnectionAsync(Cancel);
        var log = await EventLog.ReadAsync(read, thread, before, 10, Cancel);
        Assert.Equal(appended.Select(e => (e.Seq, e.Type, e.Payload.GetProperty("n").GetInt32())),
            log.Events.Select(e => (e.Seq, e.Type, e.Payload.GetProperty("n").GetInt32())));
    }

    [Fact]
    public async Task AnAppendToAThreadThatDoesNotExistFailsAndAppendsNothing()
    {
        var append = new EventAppend(Guid.NewGuid(), [("bot_status", ProtocolJson.ToElement(new { n = 0 }))]);

        await using var connection = await fixture.DataSource.OpenConnectionAsync(Cancel);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { append.Command } };
        await using var reader = await batch.ExecuteReaderAsync(Cancel);

        await Assert.ThrowsAsync<InvalidOperationException>(() => append.ReadAsync(reader, Cancel));
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting until {what}");
            await Task.Delay(10, Cancel);
        }
    }

    private static IOptionsMonitor<JwtBearerOptions> JwtOptions(TimeSpan clockSkew) => new ServiceCollection()
        .Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, jwt => jwt.TokenValidationParameters.ClockSkew = clockSkew)
        .BuildServiceProvider()
        .GetRequiredService<IOptionsMonitor<JwtBearerOptions>>();

    private static string Token(string userName, DateTimeOffset expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Subject = new ClaimsIdentity([new Claim("sub", userName)]),
        NotBefore = expires.AddHours(-1).UtcDateTime,
        Expires = expires.UtcDateTime,
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(new string('k', 32))), SecurityAlgorithms.HmacSha256),
    });

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Postgres with the Api's migrations applied, and Redis, from the Hosting orchestrator.</summary>
    public sealed class StoreFixture : IAsyncLifetime
    {
        private DistributedApplication? _app;
        private ConnectionMultiplexer? _redis;

        public NpgsqlDataSource DataSource { get; private set; } = null!;

        public EventPublisher Publisher { get; private set; } = null!;

        public WorkerRegistry Workers { get; private set; } = null!;

        public MessageStore Store { get; private set; } = null!;

        /// <summary>The deliveries' batches of sends (these tests' sinks record rather than send, so they add nothing to them).</summary>
        private static readonly SendBatches Batches = new(Options.Create(new RealtimeOptions()), NullLogger<SendBatches>.Instance);

        public ThreadDelivery Delivery { get; } = new(new ApiClient(new HttpClient()), new ClientWork(), Batches, NullLogger<ThreadDelivery>.Instance);

        /// <summary>A Realtime instance's delivery whose joins read this database's event log.</summary>
        public ThreadDelivery NewDelivery() =>
            new(new ApiClient(new HttpClient(new LogFromDatabase(DataSource)) { BaseAddress = new Uri("http://api.invalid") }),
                new ClientWork(), Batches, NullLogger<ThreadDelivery>.Instance);

        public async ValueTask InitializeAsync()
        {
            var builder = DistributedApplicationTestingBuilder.Create();
            builder.AddPostgres("store-postgres").AddDatabase("storedb");
            builder.AddRedis("store-cache");
            _app = await builder.BuildAsync(Cancel);
            await _app.StartAsync(Cancel).WithTimeout(TestTimeouts.Startup);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync("storedb", Cancel).WithTimeout(TestTimeouts.Startup);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync("store-cache", Cancel).WithTimeout(TestTimeouts.Startup);
            DataSource = NpgsqlDataSource.Create((await _app.GetConnectionStringAsync("storedb", Cancel))!);
            _redis = await ConnectionMultiplexer.ConnectAsync((await _app.GetConnectionStringAsync("store-cache", Cancel))!);

            var migrations = new MigrationState();
            using var migrator = new DatabaseMigrator(DataSource, migrations, NullLogger<DatabaseMigrator>.Instance);
            await migrator.StartAsync(Cancel);
            await (migrator.ExecuteTask ?? Task.CompletedTask).WithTimeout(TestTimeouts.Startup);
            Assert.True(migrations.IsApplied, migrations.LastError);

            Publisher = new EventPublisher(_redis, NullLogger<EventPublisher>.Instance);
            Workers = new WorkerRegistry(_redis, TimeProvider.System);
            Store = new MessageStore(DataSource, Publisher, Workers);
        }

        /// <summary>A thread with its owner as its only member, and no event yet.</summary>
        public async Task<Guid> CreateThreadAsync(string owner)
        {
            var id = Guid.CreateVersion7();
            await using var command = DataSource.CreateCommand("""
                WITH thread AS (INSERT INTO threads (id, title, owner) VALUES ($1, 'test', $2) RETURNING id)
                INSERT INTO thread_members (thread_id, user_name, role) SELECT id, $2, 'owner' FROM thread
                """);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
            await command.ExecuteNonQueryAsync(Cancel);
            return id;
        }

        public async Task<long> LastSeqAsync(Guid thread) => await ScalarAsync<long>("SELECT last_seq FROM threads WHERE id = $1", thread);

        public async Task<long> QueuedRunsAsync(Guid thread) => await ScalarAsync<long>("SELECT count(*) FROM runs WHERE thread_id = $1 AND status = 'queued'", thread);

        /// <summary>The thread's events on the Redis stream, as Realtime reads them.</summary>
        public async Task<List<ThreadEvent>> StreamEventsAsync(Guid thread)
        {
            var entries = await _redis!.GetDatabase().StreamRangeAsync(EventStream.Key);
            return [.. entries
                .Select(entry => EventStream.Read(entry.Values.ToDictionary(v => (string)v.Name!, v => v.Value), out _))
                .OfType<ThreadEvent>()
                .Where(e => e.ThreadId == thread)];
        }

        private async Task<T> ScalarAsync<T>(string sql, Guid thread)
        {
            await using var command = DataSource.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = thread });
            return (T)(await command.ExecuteScalarAsync(Cancel))!;
        }

        public async ValueTask DisposeAsync()
        {
            if (DataSource is not null)
            {
                await DataSource.DisposeAsync();
            }
            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// What a connection was sent, write by write and by seq; with <c>holdFirstWrite</c> its first write does not complete
    /// until <see cref="Release"/> (a client that reads slowly, holding up a fan-out).
    /// </summary>
    private sealed class RecordedEvents(bool holdFirstWrite = false) : IEventSink
    {
        private readonly List<long[]> _writes = [];
        private readonly TaskCompletionSource _firstWriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstWriteStarted => _firstWriteStarted.Task;

        public void Release() => _released.TrySetResult();

        public IReadOnlyList<long[]> Writes
        {
            get
            {
                lock (_writes)
                {
                    return [.. _writes];
                }
            }
        }

        public IReadOnlyList<long> Seqs => [.. Writes.SelectMany(w => w)];

        public ValueTask SendEventAsync(ThreadEvent threadEvent, CancellationToken cancellationToken) => WriteAsync([threadEvent]);

        public ValueTask SendEventsAsync(IReadOnlyList<ThreadEvent> events, CancellationToken cancellationToken) => WriteAsync(events);

        public ValueTask SendTypingAsync(TypingEvent typing, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SendPresenceAsync(PresenceEvent presence, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        private async ValueTask WriteAsync(IReadOnlyList<ThreadEvent> events)
        {
            int count;
            lock (_writes)
            {
                _writes.Add([.. events.Select(e => e.Seq)]);
                count = _writes.Count;
            }
            if (holdFirstWrite && count == 1)
            {
                _firstWriteStarted.TrySetResult();
                await _released.Task;
            }
        }
    }

    /// <summary>
    /// The Api's page of a thread's event log (<c>GET /api/threads/{id}/events?afterSeq=&amp;limit=</c>), read by the Api's
    /// own <see cref="EventLog"/>: what Realtime's joins read, without an Api process (membership is the Api's to check,
    /// and is not under test here).
    /// </summary>
    private sealed class LogFromDatabase(NpgsqlDataSource dataSource) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var thread = Guid.Parse(request.RequestUri!.Segments[3].TrimEnd('/'));
            var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query);
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var page = await EventLog.ReadAsync(connection, thread, long.Parse(query["afterSeq"]!, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(query["limit"]!, System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = System.Net.Http.Json.JsonContent.Create(page) };
        }
    }
}
