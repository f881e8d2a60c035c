using System.Collections.Concurrent;
using Agents.Api.Agent.Runtime;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Agents.Api.Runs;

/// <summary>
/// Takes queued runs (FOR UPDATE SKIP LOCKED: several workers and Api instances share one queue), keeps a heartbeat on
/// the ones it holds, takes back runs whose holder died, and stops a run when someone cancels it on any instance (a
/// Redis signal). Wakes on Postgres NOTIFY runs_queued, with a poll as a fallback.
/// </summary>
internal sealed partial class RunWorker(
    RunStore store,
    RunExecutor executor,
    WorkerRegistry workers,
    NpgsqlDataSource dataSource,
    IConnectionMultiplexer redis,
    MigrationState migrations,
    IOptions<AgentOptions> options,
    IConfiguration configuration,
    ILogger<RunWorker> logger) : BackgroundService
{
    public static readonly RedisChannel CancelChannel = RedisChannel.Literal("agents:run-cancel");
    private static readonly System.Diagnostics.ActivitySource Tracing = new("Agents.Api.Runs");
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();
    private readonly SemaphoreSlim _wake = new(0);

    private string WorkerId => options.Value.WorkerId
        ?? (configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? "").Split(',').Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2 && p[0] == "service.instance.id").Select(p => p[1]).FirstOrDefault()
        ?? Environment.MachineName;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Workers == 0)
        {
            return;
        }
        while (!migrations.IsApplied)
        {
            await Task.Delay(200, stoppingToken);
        }
        await redis.GetSubscriber().SubscribeAsync(CancelChannel, (_, message) =>
        {
            if (Guid.TryParse((string?)message, out var runId) && _running.TryGetValue(runId, out var run))
            {
                run.Cancel();
            }
        });
        await workers.RefreshAsync(WorkerId, options.Value.RunLeaseTimeout);
        // Runs this worker held in an earlier life (same replica, restarted) are taken back at once.
        await ReclaimAsync(includeMine: true, stoppingToken);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, options.Value.Workers).Select(_ => WorkAsync(stoppingToken))
                .Append(ListenAsync(stoppingToken)).Append(HeartbeatAsync(stoppingToken)));
        }
        finally
        {
            await workers.RemoveAsync(WorkerId).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// One look at the queue per wake-up: a notice wakes one worker, and a worker that takes a run while others are
    /// queued wakes the next. So a run costs one look, not one per worker, and none is left for the poll to find.
    /// </summary>
    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // This look sees every run whose notice came so far (a notice comes after its commit): those wake-ups
                // are answered by it, and left standing they would only cause looks that find nothing.
                while (_wake.Wait(0, CancellationToken.None))
                {
                }
                if (await store.TakeAsync(WorkerId, stoppingToken) is { } taken)
                {
                    if (taken.MoreQueued)
                    {
                        _wake.Release();
                    }
                    await RunAsync(taken.Run, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // the Api stops: a run in progress stays 'running' and is taken back when an Api starts again
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or RedisException or OperationCanceledException)
            {
                LogWorkerFailed(e);
            }
            try
            {
                await _wake.WaitAsync(options.Value.QueuePollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RunAsync(RunRecord run, CancellationToken stoppingToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _running[run.Id] = cancel;
        // The run's work (engine, tools, Npgsql) joins the trace of the message that queued it.
        System.Diagnostics.ActivityContext.TryParse(run.TraceParent, null, out var parent);
        using var activity = Tracing.StartActivity("agent run", System.Diagnostics.ActivityKind.Internal, parent);
        activity?.SetTag("agents.run.id", run.Id);
        activity?.SetTag("agents.thread.id", run.ThreadId);
        activity?.SetTag("agents.run.attempt", run.Attempts);
        try
        {
            await executor.ExecuteAsync(run, cancel.Token);
        }
        catch (Exception e) when (e is not (OperationCanceledException or NpgsqlException or TimeoutException or RedisException))
        {
            // A fault of the run's own (a bug, a state that no longer reads), not of the database or Redis, which leave
            // the run to be taken back and tried again: it would fail again, so it fails now, alone, and the worker goes on.
            LogRunFailed(e, run.Id);
            await store.FailAsync(run, "The run failed unexpectedly and was stopped.", CancellationToken.None);
        }
        finally
        {
            _running.TryRemove(run.Id, out _);
        }
    }

    private async Task HeartbeatAsync(CancellationToken stoppingToken)
    {
        var every = options.Value.RunLeaseTimeout / 5;
        using var timer = new PeriodicTimer(every);
        var tick = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await workers.RefreshAsync(WorkerId, options.Value.RunLeaseTimeout);
                if (!_running.IsEmpty)
                {
                    await store.HeartbeatAsync(WorkerId, [.. _running.Keys], stoppingToken);
                }
                if (++tick % 2 == 0)
                {
                    await ReclaimAsync(includeMine: false, stoppingToken);
                }
            }
            catch (Exception e) when (e is NpgsqlException or RedisException)
            {
                LogWorkerFailed(e);
            }
        }
    }

    private async Task ReclaimAsync(bool includeMine, CancellationToken stoppingToken)
    {
        var (requeued, failed) = await store.ReclaimAsync(WorkerId, options.Value.RunLeaseTimeout, options.Value.MaxAttempts, includeMine, stoppingToken);
        if (requeued + failed > 0)
        {
            LogReclaimed(requeued, failed);
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => _wake.Release();
                await using (var listen = new NpgsqlCommand("LISTEN runs_queued", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await connection.WaitAsync(stoppingToken);
                    }
                }
                finally
                {
                    await UnlistenAsync(connection);
                }
            }
            catch (NpgsqlException e)
            {
                LogWorkerFailed(e);
                await Task.Delay(options.Value.QueuePollInterval, stoppingToken);
            }
        }
    }

    /// <summary>The pool does not reset connections (see Program.cs): one that goes back must not go on listening.</summary>
    private static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }
        try
        {
            await using var unlisten = new NpgsqlCommand("UNLISTEN runs_queued", connection);
            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // A broken connection is not put back in the pool.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Took back runs whose worker stopped: {Requeued} queued again, {Failed} given up")]
    private partial void LogReclaimed(int requeued, int failed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} failed unexpectedly; it is marked failed")]
    private partial void LogRunFailed(Exception exception, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A run worker failed; it goes on")]
    private partial void LogWorkerFailed(Exception exception);
}
