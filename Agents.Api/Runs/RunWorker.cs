using Stopwatch = System.Diagnostics.Stopwatch;
using System.Text.Json;

namespace Agents.Api.Runs;

/// <summary>
/// Takes queued runs (FOR UPDATE SKIP LOCKED, so several workers and Api instances share the queue) and executes them.
/// Wakes on Postgres NOTIFY runs_queued, with a poll as a fallback.
/// </summary>
internal sealed partial class RunWorker(NpgsqlDataSource dataSource, EventPublisher publisher, MigrationState migrations, ILogger<RunWorker> logger) : BackgroundService
{
    private const int Workers = 4;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _wake = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!migrations.IsApplied)
        {
            await Task.Delay(200, stoppingToken);
        }
        var listener = ListenAsync(stoppingToken);
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => WorkAsync(stoppingToken)).Append(listener));
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => _wake.Release(Workers);
                await using (var listen = new NpgsqlCommand("LISTEN runs_queued", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (NpgsqlException e)
            {
                LogListenFailed(e);
                await Task.Delay(PollInterval, stoppingToken);
            }
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await TakeRunAsync(stoppingToken) is { } run)
                {
                    await ExecuteRunAsync(run, stoppingToken);
                    continue;
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogWorkerFailed(e);
            }
            await _wake.WaitAsync(PollInterval, stoppingToken);
        }
    }

    private async Task<QueuedRun?> TakeRunAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            UPDATE runs SET status = 'running', started_at = now(), updated_at = now()
            WHERE id = (SELECT id FROM runs WHERE status = 'queued' ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id, thread_id AS threadid, kind, requested_by AS requestedby, input::text AS input
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<QueuedRun>(new CommandDefinition(sql, cancellationToken: cancellationToken));
    }

    private async Task ExecuteRunAsync(QueuedRun run, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await AppendAsync(run, null, cancellationToken, (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Thinking, run.Id)));

        var text = JsonDocument.Parse(run.Input).RootElement.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "";
        var reply = BuiltInReplies.ReplyTo(text, run.RequestedBy);
        var seconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3);

        await AppendAsync(run, "completed", cancellationToken,
            (EventTypes.LlmResponse, new LlmResponsePayload(run.Id, reply, BuiltInReplies.Model, seconds)),
            (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Idle, run.Id)));
        LogRunCompleted(run.Id, run.ThreadId);
    }

    /// <summary>Appends events to the run's thread (and, when given, sets the run's status) in one transaction, then publishes.</summary>
    private async Task AppendAsync(QueuedRun run, string? newStatus, CancellationToken cancellationToken, params (string Type, object Payload)[] events)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var appended = new List<ThreadEvent>();
        foreach (var (type, payload) in events)
        {
            appended.Add(await EventLog.AppendAsync(connection, transaction, run.ThreadId, type, payload, cancellationToken));
        }
        if (newStatus is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE runs SET status = @newStatus, updated_at = now(), finished_at = now() WHERE id = @id",
                new { newStatus, id = run.Id }, transaction, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        await publisher.PublishAsync(appended);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} of thread {ThreadId} completed")]
    private partial void LogRunCompleted(Guid runId, Guid threadId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LISTEN runs_queued failed; polling until it is back")]
    private partial void LogListenFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A run worker failed; it goes on")]
    private partial void LogWorkerFailed(Exception exception);
}

internal sealed record QueuedRun(Guid Id, Guid ThreadId, string Kind, string RequestedBy, string Input);

public static class RunsExtensions
{
    public static IHostApplicationBuilder AddRuns(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<RunWorker>();
        return builder;
    }
}
