using Agents.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Agents.Tests.Integration;

/// <summary>The orchestrator with real Postgres, Redis and project processes, each test with a model of its own.</summary>
public sealed class OrchestratorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DependentStartsOnlyAfterWhatItWaitsForIsHealthy()
    {
        var builder = ApiWithItsServers();
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);

        var history = new List<(string Id, string State, ResourceHealth? Health)>();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var watcher = Task.Run(async () =>
        {
            await foreach (var change in app.ResourceNotifications.WatchAsync(watching.Token))
            {
                lock (history)
                {
                    history.Add((change.ResourceId, change.Snapshot.State, change.Snapshot.Health));
                }
            }
        }, TestContext.Current.CancellationToken);

        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        await app.WaitForHealthyAsync(ResourceNames.Api);
        await watching.CancelAsync();
        await watcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

        lock (history)
        {
            var apiWaiting = history.FindIndex(h => h.Id == ResourceNames.Api && h.State == KnownResourceStates.Waiting);
            var apiStarting = history.FindIndex(h => h.Id == ResourceNames.Api && h.State == KnownResourceStates.Starting);
            var databaseHealthy = history.FindIndex(h => h.Id == ResourceNames.Database && h.Health == ResourceHealth.Healthy);
            var cacheHealthy = history.FindIndex(h => h.Id == ResourceNames.Cache && h.Health == ResourceHealth.Healthy);
            Assert.True(apiWaiting >= 0, "api never reported Waiting");
            Assert.True(apiStarting > databaseHealthy && databaseHealthy >= 0, $"api started at event {apiStarting}, before agentsdb was healthy at {databaseHealthy}");
            Assert.True(apiStarting > cacheHealthy && cacheHealthy >= 0, $"api started at event {apiStarting}, before cache was healthy at {cacheHealthy}");
        }
    }

    [Fact]
    public async Task ProjectThatExitsWithAnErrorIsReportedExitedAndTheWaitFailsAtOnceWithItsLog()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddTestOutputLogging(output);
        // No database reference: the Api stops at start with a message about its missing connection string.
        builder.AddProject<Projects.Agents_Api>(ResourceNames.Api).WithHttpHealthCheck("/health");
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();

        var started = System.Diagnostics.Stopwatch.StartNew();
        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(() =>
            app.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Api, TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"the wait took {started.Elapsed} to fail");
        var snapshot = app.Of(ResourceNames.Api);
        Assert.Equal(KnownResourceStates.Exited, snapshot.State);
        Assert.NotNull(snapshot.ExitCode);
        Assert.NotEqual(0, snapshot.ExitCode);
        Assert.Contains($"exit code {snapshot.ExitCode}", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:agentsdb is missing", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeLeavesNoProcessAliveAndRemovesTheRunData()
    {
        var builder = ApiWithItsServers();
        var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        await app.WaitForHealthyAsync(ResourceNames.Api);

        var pids = new[] { ResourceNames.Postgres, ResourceNames.Cache, ResourceNames.Api }
            .SelectMany(name => ProcessInfo.Tree(app.PidOf(name)))
            .ToArray();
        var dataDirectory = app.Of(ResourceNames.Postgres).Properties["dataDirectory"];
        var runDirectory = app.RunDirectory!;
        Assert.True(pids.Length >= 4, $"expected postgres with its workers, redis and the api; found pids {string.Join(',', pids)}");
        Assert.True(Directory.Exists(dataDirectory));

        await app.DisposeAsync().AsTask().WithTimeout();

        Assert.DoesNotContain(pids, ProcessInfo.IsAlive);
        Assert.False(Directory.Exists(dataDirectory), $"{dataDirectory} is still there");
        Assert.False(Directory.Exists(runDirectory), $"{runDirectory} is still there");
    }

    [Fact]
    public async Task AChildThatIgnoresSigtermIsKilledWithItsTreeAfterTheGracePeriod()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddTestOutputLogging(output);
        // The shell and its sleep both ignore SIGTERM (ignored signals survive fork and exec).
        builder.AddExecutable("stubborn", "sh", Path.GetTempPath(), "-c", "trap '' TERM; sleep 600 & wait");
        var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        await app.WaitForHealthyAsync("stubborn");
        var shell = app.PidOf("stubborn");
        await Task.Delay(200, TestContext.Current.CancellationToken); // let the shell start its sleep
        var tree = ProcessInfo.Tree(shell);
        Assert.True(tree.Count >= 2, "the shell has not started its child");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await app.DisposeAsync().AsTask().WithTimeout();

        Assert.DoesNotContain(tree, ProcessInfo.IsAlive);
        Assert.InRange(stopping.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task AnExitNoticedWhileARestartRunsDoesNotStopWatchingTheNewProcess()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddTestOutputLogging(output);
        // The orchestrator reports the unexpected exit through a log that is slow to write (held here until the
        // restart is done): whatever it does after that must not touch the new process's lifetime.
        using var slowLog = new HeldLogLine("exited unexpectedly");
        builder.Services.AddLogging(logging => logging.AddProvider(slowLog));
        // Healthy only after a while, as a real service starting up: its health checks must still be running then.
        builder.AddExecutable("late-listener", "node", Path.GetTempPath(), "-e",
                "const u = new URL(process.env.ASPNETCORE_URLS); setTimeout(() => require('http').createServer((q, r) => r.end('ok')).listen(+u.port, u.hostname), 1000)")
            .WithHttpEndpoint().WithHttpHealthCheck("/");
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        await app.WaitForHealthyAsync("late-listener");

        var killed = app.PidOf("late-listener");
        System.Diagnostics.Process.GetProcessById(killed).Kill();
        await slowLog.Seen.WithTimeout();
        var restart = await app.ResourceCommands.ExecuteCommandAsync("late-listener", KnownResourceCommands.RestartCommand, TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(restart.Success, restart.ErrorMessage);
        slowLog.Release();

        await app.ResourceNotifications.WaitForResourceHealthyAsync("late-listener", TestContext.Current.CancellationToken).WithTimeout(TimeSpan.FromSeconds(15));
        var snapshot = app.Of("late-listener");
        Assert.Equal(KnownResourceStates.Running, snapshot.State);
        Assert.Equal(1, snapshot.Restarts);
        Assert.NotEqual(killed, snapshot.Pid);
    }

    [Fact]
    public async Task WhatAKilledAppHostLeftBehindIsRemovedWhenTheNextOneStarts()
    {
        // A run folder whose AppHost died without stopping its children: an orphan still works inside it.
        var folder = Path.Combine(Path.GetTempPath(), $"agents-apphost-{Guid.NewGuid():N}"[..23]);
        Directory.CreateDirectory(Path.Combine(folder, "cache"));
        await File.WriteAllTextAsync(Path.Combine(folder, "apphost.pid"), "2147480000 12345", TestContext.Current.CancellationToken);
        using var orphan = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "300") { WorkingDirectory = Path.Combine(folder, "cache") })!;
        // And one that belongs to a live AppHost (this process): it must be left alone.
        var alive = Path.Combine(Path.GetTempPath(), $"agents-apphost-{Guid.NewGuid():N}"[..23]);
        Directory.CreateDirectory(alive);
        var self = await File.ReadAllTextAsync($"/proc/{Environment.ProcessId}/stat", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(alive, "apphost.pid"), $"{Environment.ProcessId} {self[(self.LastIndexOf(')') + 2)..].Split(' ')[19]}", TestContext.Current.CancellationToken);

        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddTestOutputLogging(output);
        builder.AddRedis(ResourceNames.Cache);
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();

        await orphan.WaitForExitAsync(TestContext.Current.CancellationToken).WithTimeout();
        Assert.False(Directory.Exists(folder), $"{folder} is still there");
        Assert.True(Directory.Exists(alive), "a live AppHost's folder was removed");
        Directory.Delete(alive, recursive: true);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(150)]
    [InlineData(600)]
    public async Task StoppingAnAppThatIsStillStartingLeavesNoProcessBehind(int stopAfterMilliseconds)
    {
        var builder = ApiWithItsServers();
        var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        var runDirectory = app.RunDirectory!;
        await Task.Delay(stopAfterMilliseconds, TestContext.Current.CancellationToken);

        await app.DisposeAsync().AsTask().WithTimeout();
        await Task.Delay(300, TestContext.Current.CancellationToken); // anything started late would be running by now

        Assert.DoesNotContain(Agents.Hosting.Orchestration.StaleRunCleaner.ProcessesIn(runDirectory), ProcessInfo.IsAlive);
        Assert.False(Directory.Exists(runDirectory));
    }

    [Fact]
    public async Task MissingServerBinariesFailFastSayingWhatToInstallOrConfigure()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddTestOutputLogging(output);
        builder.Configuration["Hosting:RedisServerPath"] = "/nonexistent/redis-server";
        builder.Configuration["Hosting:PostgresBinDirectory"] = "/nonexistent/postgresql/bin";
        builder.AddPostgres(ResourceNames.Postgres).AddDatabase(ResourceNames.Database);
        builder.AddRedis(ResourceNames.Cache);
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);

        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync(TestContext.Current.CancellationToken).WithTimeout());

        Assert.Contains("apt-get install redis-server", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__cache", failure.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__agentsdb", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionStringResourcesUseServersThatAlreadyRun()
    {
        // One app owns the servers; the second reaches them only through configured connection strings.
        var servers = DistributedApplicationTestingBuilder.Create();
        servers.AddTestOutputLogging(output);
        servers.AddPostgres(ResourceNames.Postgres).AddDatabase(ResourceNames.Database);
        servers.AddRedis(ResourceNames.Cache);
        await using var serverApp = await servers.BuildAsync(TestContext.Current.CancellationToken);
        await serverApp.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        await serverApp.WaitForHealthyAsync(ResourceNames.Database, ResourceNames.Cache);

        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddTestOutputLogging(output);
        builder.Configuration[$"ConnectionStrings:{ResourceNames.Database}"] = await serverApp.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken);
        builder.Configuration[$"ConnectionStrings:{ResourceNames.Cache}"] = await serverApp.GetConnectionStringAsync(ResourceNames.Cache, TestContext.Current.CancellationToken);
        var db = builder.AddConnectionString(ResourceNames.Database);
        var cache = builder.AddConnectionString(ResourceNames.Cache);
        builder.AddProject<Projects.Agents_Api>(ResourceNames.Api).WithReference(db).WithReference(cache).WithHttpHealthCheck("/health")
            .WithEnvironment("Auth__SigningKey", builder.AddParameter("auth-signing-key", secret: true));
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();

        await app.WaitForHealthyAsync(ResourceNames.Api);
        Assert.DoesNotContain(app.Model.Resources, r => r is PostgresServerResource or RedisResource);
    }

    [Fact]
    public async Task PostgresIsCheckedOnConnectionsKeptBetweenChecks()
    {
        // A new connection per check (every 5 s) cost the server a fork and a password authentication each time.
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddTestOutputLogging(output);
        builder.AddPostgres(ResourceNames.Postgres).AddDatabase(ResourceNames.Database);
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        await app.WaitForHealthyAsync(ResourceNames.Database);
        var connectionString = await app.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken);
        await using var connection = new Npgsql.NpgsqlConnection($"{connectionString};Pooling=false");
        await connection.OpenAsync(TestContext.Current.CancellationToken);

        var before = await CheckerBackendsAsync(connection);
        await Task.Delay(TimeSpan.FromSeconds(6), TestContext.Current.CancellationToken); // more than one check period
        var after = await CheckerBackendsAsync(connection);

        // One connection for the server's check (database postgres), one for the database's, the same ones throughout.
        Assert.Equal(["agentsdb", "postgres"], before.Select(b => b.Database));
        Assert.Equal(before.Select(b => b.Pid), after.Select(b => b.Pid));
        Assert.All(before.Zip(after), pair => Assert.True(pair.Second.LastQueryStart > pair.First.LastQueryStart, $"no check ran on {pair.First.Database}'s connection"));
    }

    private static async Task<List<(string Database, int Pid, DateTime LastQueryStart)>> CheckerBackendsAsync(Npgsql.NpgsqlConnection connection)
    {
        await using var command = new Npgsql.NpgsqlCommand("""
            SELECT datname, pid, query_start FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() ORDER BY datname
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var backends = new List<(string, int, DateTime)>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            backends.Add((reader.GetString(0), reader.GetInt32(1), reader.GetDateTime(2)));
        }
        return backends;
    }

    [Fact]
    public async Task ReplicasEachGetAPortAndAreAllDiscoverable()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddTestOutputLogging(output);
        var db = builder.AddPostgres(ResourceNames.Postgres).AddDatabase(ResourceNames.Database);
        var cache = builder.AddRedis(ResourceNames.Cache);
        var realtime = builder.AddProject<Projects.Agents_Realtime>(ResourceNames.Realtime)
            .WithReference(db).WithReference(cache).WaitFor(db).WaitFor(cache).WithHttpHealthCheck("/health").WithReplicas(2)
            .WithEnvironment("Auth__SigningKey", builder.AddParameter("auth-signing-key", secret: true));
        var consumer = builder.AddExecutable("consumer", "sleep", Path.GetTempPath(), "300").WithReference(realtime);
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        await app.WaitForHealthyAsync(ResourceNames.Realtime, "consumer");

        var first = app.GetEndpoint(ResourceNames.Realtime, 0);
        var second = app.GetEndpoint(ResourceNames.Realtime, 1);
        Assert.NotEqual(first.Port, second.Port);
        foreach (var endpoint in new[] { first, second })
        {
            using var client = new HttpClient { BaseAddress = endpoint };
            using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken).WithTimeout();
            Assert.True(response.IsSuccessStatusCode, $"{endpoint} answered {response.StatusCode}");
        }
        var environment = ProcessInfo.Environment(app.PidOf("consumer"));
        Assert.Equal(first.ToString().TrimEnd('/'), environment["services__realtime__http__0"]);
        Assert.Equal(second.ToString().TrimEnd('/'), environment["services__realtime__http__1"]);
    }

    [Fact]
    public async Task OutsideDevelopmentTheApiIssuesNoDevelopmentTokens()
    {
        var builder = ApiWithItsServers();
        builder.Resources.OfType<ProjectResource>().Single().EnvironmentCallbacks.Add(context =>
        {
            context.EnvironmentVariables["ASPNETCORE_ENVIRONMENT"] = "Production";
            return ValueTask.CompletedTask;
        });
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await app.StartAsync(TestContext.Current.CancellationToken).WithTimeout();
        await app.WaitForHealthyAsync(ResourceNames.Api);

        using var api = app.CreateHttpClient(ResourceNames.Api);
        using var response = await api.PostAsync(new Uri("/api/auth/token", UriKind.Relative),
            System.Net.Http.Json.JsonContent.Create(new { userName = "mallory" }), TestContext.Current.CancellationToken).WithTimeout();

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Auth:AllowDevelopmentTokens", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    /// <summary>The Api waiting for its own Postgres and Redis, as in the AppHost.</summary>
    private IDistributedApplicationTestingBuilder ApiWithItsServers()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddTestOutputLogging(output);
        var db = builder.AddPostgres(ResourceNames.Postgres).AddDatabase(ResourceNames.Database);
        var cache = builder.AddRedis(ResourceNames.Cache);
        builder.AddProject<Projects.Agents_Api>(ResourceNames.Api)
            .WithReference(db).WithReference(cache).WaitFor(db).WaitFor(cache)
            .WithHttpHealthCheck("/health")
            .WithEnvironment("Auth__SigningKey", builder.AddParameter("auth-signing-key", secret: true));
        return builder;
    }
}

/// <summary>A log sink that holds the first line containing some text until released, as a slow console would.</summary>
internal sealed class HeldLogLine(string text) : ILoggerProvider, ILogger
{
    private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    public Task Seen => _seen.Task;

    public void Release() => _released.TrySetResult();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (formatter(state, exception).Contains(text, StringComparison.Ordinal) && Interlocked.Exchange(ref _held, 1) == 0)
        {
            _seen.TrySetResult();
            _released.Task.Wait(TimeSpan.FromSeconds(30)); // blocks the logging thread, as a slow sink does
        }
    }

    public void Dispose() => Release();
}
