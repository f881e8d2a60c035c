using Agents.Api.Agent.Runtime;

namespace Agents.Api.Runs;

internal sealed record RunRecord(Guid Id, Guid ThreadId, string Kind, string RequestedBy, string Input, string State, int Attempts, string? TraceParent = null);

/// <summary>A run a worker took, and whether other runs were queued when it did.</summary>
internal sealed record TakenRun(RunRecord Run, bool MoreQueued);

public enum RunAccess
{
    Ok,
    NotFound,  // no such run, or not in a thread of the caller's
    Conflict,  // not in a state that allows it
}

/// <summary>
/// Runs in Postgres: taking, heartbeats, taking back runs whose holder died, saving progress with its events, and the
/// decisions people make about them (approve, reject, cancel). Locks go run row first, then thread row.
/// </summary>
internal sealed class RunStore(NpgsqlDataSource dataSource, EventPublisher publisher)
{
    private const string RunColumns = "id, thread_id AS threadid, kind, requested_by AS requestedby, input::text AS input, state::text AS state, attempts, traceparent";

    /// <summary>
    /// Takes the oldest queued run nobody holds, and tells whether others were queued as it did: one notice of
    /// <c>runs_queued</c> may stand for several runs, and the worker that takes the first wakes another for the next.
    /// </summary>
    public async Task<TakenRun?> TakeAsync(string workerId, CancellationToken cancellationToken)
    {
        // Every part of the statement reads one snapshot, in which the taken run is still queued: hence "id <> taken.id".
        var sql = $"""
            WITH taken AS (
                UPDATE runs SET status = 'running', worker_id = @workerId, heartbeat_at = now(), attempts = attempts + 1,
                    started_at = coalesce(started_at, now()), updated_at = now()
                WHERE id = (SELECT id FROM runs WHERE status = 'queued' ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
                RETURNING {RunColumns})
            SELECT taken.*, EXISTS (SELECT 1 FROM runs WHERE status = 'queued' AND id <> taken.id) AS morequeued FROM taken
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<TakenRow>(new CommandDefinition(sql, new { workerId }, cancellationToken: cancellationToken));
        return row is null ? null
            : new TakenRun(new RunRecord(row.Id, row.ThreadId, row.Kind, row.RequestedBy, row.Input, row.State, row.Attempts, row.TraceParent), row.MoreQueued);
    }

    public async Task HeartbeatAsync(string workerId, Guid[] runIds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE runs SET heartbeat_at = now() WHERE id = ANY(@runIds) AND worker_id = @workerId AND status = 'running'",
            new { runIds, workerId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Takes back running runs whose holder stopped (no heartbeat within the lease, or this very worker in an earlier
    /// life): queued again to resume, or failed once they were tried <paramref name="maxAttempts"/> times.
    /// </summary>
    public async Task<(int Requeued, int Failed)> ReclaimAsync(string workerId, TimeSpan lease, int maxAttempts, bool includeMine, CancellationToken cancellationToken)
    {
        const string stale = "status = 'running' AND (heartbeat_at < now() - @lease OR (@includeMine AND worker_id = @workerId))";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var args = new { lease, includeMine, workerId, maxAttempts };
        var requeued = await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE runs SET status = 'queued', worker_id = NULL, updated_at = now() WHERE {stale} AND attempts < @maxAttempts",
            args, cancellationToken: cancellationToken));
        if (requeued > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition("NOTIFY runs_queued", cancellationToken: cancellationToken));
        }
        // Failed by one UPDATE, so two Api instances sweeping at once cannot both report the same run.
        var dead = (await connection.QueryAsync<RunRecord>(new CommandDefinition($"""
            UPDATE runs SET status = 'failed', worker_id = NULL, finished_at = now(), updated_at = now(), error = 'worker lost too many times'
            WHERE {stale} AND attempts >= @maxAttempts
            RETURNING {RunColumns}
            """, args, cancellationToken: cancellationToken))).ToList();
        foreach (var run in dead)
        {
            // The UPDATE above failed and released it already: only its thread is left to tell.
            await UpdateAsync(run, null, null, release: false,
                FailureEvents(run, $"The run stopped {run.Attempts} times (the Api went away); it was given up."), cancellationToken);
        }
        return (requeued, dead.Count);
    }

    /// <summary>Fails a run for good, with <paramref name="reason"/>, and tells its thread.</summary>
    public Task FailAsync(RunRecord run, string reason, CancellationToken cancellationToken) =>
        UpdateAsync(run, "failed", null, release: true, FailureEvents(run, reason), cancellationToken, reason);

    /// <summary>A plan's <c>workflow_failed</c> with the reason, then <c>bot_status error</c>; the state is read only
    /// if it still reads as a plan, as a run may fail because it does not.</summary>
    private static (string Type, object Payload)[] FailureEvents(RunRecord run, string reason)
    {
        PlanState? plan;
        try
        {
            plan = PlanState.From(run.State);
        }
        catch (System.Text.Json.JsonException)
        {
            plan = null;
        }
        (string, object) error = (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Error, run.Id));
        return plan is null ? [error] : [(EventTypes.WorkflowFailed, new WorkflowFailedPayload(run.Id, plan.Current, reason)), error];
    }

    public async Task<bool> IsCancelRequestedAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT cancel_requested FROM runs WHERE id = @runId", new { runId }, cancellationToken: cancellationToken));
    }

    /// <summary>Saves a run's status and plan and appends its events, in one transaction, then publishes the events.</summary>
    public async Task UpdateAsync(RunRecord run, string? status, PlanState? plan, bool release, (string Type, object Payload)[] events,
        CancellationToken cancellationToken, string? error = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var appended = await UpdateAsync(connection, null, run.Id, run.ThreadId, status, plan, release, events, cancellationToken, error);
        await publisher.PublishAsync(appended);
    }

    /// <summary>
    /// The run's row (when it changes), then its events, then the notice if it is queued again: one batch, one round
    /// trip, in the caller's transaction or, without one, in the batch's own. Locks go run row first, then thread row.
    /// </summary>
    private static async Task<List<ThreadEvent>> UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid runId, Guid threadId,
        string? status, PlanState? plan, bool release, (string Type, object Payload)[] events, CancellationToken cancellationToken, string? error = null)
    {
        const string updateRun = """
            UPDATE runs SET
                status = coalesce($2, status),
                state = coalesce($3::jsonb, state),
                kind = CASE WHEN $3 IS NULL THEN kind ELSE 'plan' END,
                worker_id = CASE WHEN $4 THEN NULL ELSE worker_id END,
                finished_at = CASE WHEN $5 THEN now() ELSE finished_at END,
                error = coalesce($6, error),
                heartbeat_at = CASE WHEN $4 THEN heartbeat_at ELSE now() END,
                updated_at = now()
            WHERE id = $1
            """;
        await using var batch = new NpgsqlBatch(connection, transaction);
        // An event alone (a status, a token, a step's output) leaves the run's row alone: its holder's heartbeat is kept
        // by the worker's timer, and an update would rewrite the row and its indexes for nothing.
        if (status is not null || plan is not null || release || error is not null)
        {
            var terminal = status is "completed" or "failed" or "cancelled";
            batch.BatchCommands.Add(new NpgsqlBatchCommand(updateRun)
            {
                Parameters =
                {
                    new NpgsqlParameter<Guid> { TypedValue = runId },
                    new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                    new NpgsqlParameter { Value = (object?)plan?.ToJson() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                    new NpgsqlParameter<bool> { TypedValue = release },
                    new NpgsqlParameter<bool> { TypedValue = terminal },
                    new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                },
            });
        }
        // Every change of a run is told in its thread: there is always an event.
        var append = new EventAppend(threadId, [.. events.Select(e => (e.Type, ProtocolJson.ToElement(e.Payload)))]);
        batch.BatchCommands.Add(append.Command);
        if (status == "queued")
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("NOTIFY runs_queued"));
        }
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await append.ReadAsync(reader, cancellationToken); // the reader skips the update, which returns no rows
    }

    /// <summary>A member's decision on the step a plan waits on. Approval (with edited arguments, if any) queues the run again.</summary>
    public async Task<(RunAccess Access, string? Problem)> DecideAsync(Guid runId, string user, WorkflowApprovalRequest decision, AgentOptions options, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var run = await LockForMemberAsync(connection, transaction, runId, user, cancellationToken);
        if (run is null)
        {
            return (RunAccess.NotFound, null);
        }
        if (run.Status != "waiting_approval" || PlanState.From(run.State) is not { CurrentStep: { } step } plan)
        {
            return (RunAccess.Conflict, $"The workflow is {run.Status}, not waiting for an approval.");
        }
        if (decision.Arguments is { } edited && edited.Keys.FirstOrDefault(k => !step.Arguments.ContainsKey(k)) is { } unknown)
        {
            return (RunAccess.Conflict, $"Step {step.Number} has no argument '{unknown}'; it has: {string.Join(", ", step.Arguments.Keys)}.");
        }

        var approval = (EventTypes.WorkflowApproval, (object)new WorkflowApprovalPayload(run.Id, step.Number, decision.Approved, decision.Message, user, decision.Arguments));
        List<ThreadEvent> appended;
        if (decision.Approved)
        {
            foreach (var (key, value) in decision.Arguments ?? new Dictionary<string, string>())
            {
                step.Arguments[key] = value;
            }
            step.Approved = true;
            step.Status = "approved";
            appended = await UpdateAsync(connection, transaction, run.Id, run.ThreadId, "queued", plan, release: true, [approval], cancellationToken);
        }
        else
        {
            step.Status = "rejected";
            appended = await UpdateAsync(connection, transaction, run.Id, run.ThreadId, "cancelled", plan, release: true,
            [
                approval,
                (EventTypes.WorkflowCancelled, new WorkflowCancelledPayload(run.Id, step.Number, $"{user} rejected step {step.Number}" + (decision.Message is { Length: > 0 } m ? $": {m}" : "."))),
                (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Idle, run.Id)),
            ], cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        await publisher.PublishAsync(appended);
        return (RunAccess.Ok, null);
    }

    /// <summary>Cancels at once what is not running; a running run is flagged (the holder stops it) and true is returned.</summary>
    public async Task<(RunAccess Access, bool SignalHolder, string? Problem)> CancelAsync(Guid runId, string user, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var run = await LockForMemberAsync(connection, transaction, runId, user, cancellationToken);
        if (run is null)
        {
            return (RunAccess.NotFound, false, null);
        }
        if (run.Status is "completed" or "failed" or "cancelled")
        {
            return (RunAccess.Conflict, false, $"The workflow is already {run.Status}.");
        }
        await connection.ExecuteAsync(new CommandDefinition("UPDATE runs SET cancel_requested = true WHERE id = @runId",
            new { runId }, transaction, cancellationToken: cancellationToken));
        if (run.Status == "running")
        {
            await transaction.CommitAsync(cancellationToken);
            return (RunAccess.Ok, true, null);
        }
        var plan = PlanState.From(run.State);
        var appended = await UpdateAsync(connection, transaction, run.Id, run.ThreadId, "cancelled", null, release: true,
        [
            (EventTypes.WorkflowCancelled, new WorkflowCancelledPayload(run.Id, plan?.Current ?? 0, $"{user} cancelled it.")),
            (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Idle, run.Id)),
        ], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await publisher.PublishAsync(appended);
        return (RunAccess.Ok, false, null);
    }

    private static Task<LockedRun?> LockForMemberAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid runId, string user, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<LockedRun>(new CommandDefinition("""
            SELECT r.id, r.thread_id AS threadid, r.status, r.requested_by AS requestedby, r.state::text AS state
            FROM runs r JOIN thread_members m ON m.thread_id = r.thread_id AND m.user_name = @user
            WHERE r.id = @runId FOR UPDATE OF r
            """, new { runId, user }, transaction, cancellationToken: cancellationToken));

    private sealed record TakenRow(Guid Id, Guid ThreadId, string Kind, string RequestedBy, string Input, string State, int Attempts, string? TraceParent,
        bool MoreQueued);

    private sealed record LockedRun(Guid Id, Guid ThreadId, string Status, string RequestedBy, string State);
}
