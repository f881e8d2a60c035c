using System.Text.Json;
using Agents.Api.Agent.Tools;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace Agents.Api.Agent.Runtime;

/// <summary>
/// Carries a run forward from wherever it is: asks the engine what to do with a new message (reply, or a plan), then
/// runs the plan's steps through the kernel until it completes, fails, is cancelled, or waits for an approval (then the
/// run is saved and let go; an approval queues it again and any worker resumes it).
/// </summary>
internal sealed partial class RunExecutor(
    RunStore store, IAgentEngine engine, AgentKernelFactory kernels, IOptions<AgentOptions> options, ILogger<RunExecutor> logger)
{
    public async Task ExecuteAsync(RunRecord run, CancellationToken cancellationToken)
    {
        var plan = PlanState.From(run.State);
        if (plan is null)
        {
            var started = Stopwatch.GetTimestamp();
            await store.UpdateAsync(run, null, null, release: false, [(EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Thinking, run.Id))], cancellationToken);
            var text = JsonDocument.Parse(run.Input).RootElement.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "";
            var turn = new AgentTurn(run.Id, run.ThreadId, text, run.RequestedBy, (type, payload) => EmitAsync(run, type, payload));
            AgentDecision decision;
            try
            {
                decision = await engine.DecideAsync(turn, cancellationToken);
            }
            catch (ModelUnavailableException e)
            {
                await store.UpdateAsync(run, "failed", null, release: true,
                [
                    (EventTypes.LlmStatus, new LlmStatusPayload(run.Id, "error", engine.Model, e.Message)),
                    (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Error, run.Id)),
                ], CancellationToken.None, e.Message);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (!await store.IsCancelRequestedAsync(run.Id, CancellationToken.None))
                {
                    throw;
                }
                // Stopped by a person: what streamed so far stays in the log.
                await store.UpdateAsync(run, "cancelled", null, release: true,
                [
                    (EventTypes.LlmStatus, new LlmStatusPayload(run.Id, "cancelled", engine.Model)),
                    (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Idle, run.Id)),
                ], CancellationToken.None);
                return;
            }
            switch (decision)
            {
                case ReplyDecision reply:
                    var seconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 3);
                    await store.UpdateAsync(run, "completed", null, release: true,
                    [
                        (EventTypes.LlmResponse, new LlmResponsePayload(run.Id, reply.Text, engine.Model, seconds)),
                        (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Idle, run.Id)),
                    ], cancellationToken);
                    return;
                case PlanDecision decided:
                    plan = new PlanState { Goal = decided.Goal, Steps = [.. decided.Steps] };
                    await store.UpdateAsync(run, null, plan, release: false,
                    [
                        (EventTypes.GoalReceived, new GoalReceivedPayload(run.Id, decided.Goal)),
                        (EventTypes.PlanReady, new PlanReadyPayload(run.Id, decided.Goal, [.. plan.Steps.Select(s => s.ToInfo(options.Value))])),
                        (EventTypes.Progress, new ProgressPayload(run.Id, 0, "plan ready")),
                    ], cancellationToken);
                    break;
            }
        }
        await ExecutePlanAsync(run, plan!, cancellationToken);
    }

    private async Task ExecutePlanAsync(RunRecord run, PlanState plan, CancellationToken cancellationToken)
    {
        var context = new RunContext(run.Id, run.RequestedBy, plan, (type, payload) => EmitAsync(run, type, payload));
        var kernel = kernels.Create(run.ThreadId, context);
        var total = plan.Steps.Count;
        while (plan.CurrentStep is { } step)
        {
            // Decided before the step is announced, so an approved step starts once; the filter enforces it again.
            switch (options.Value.PolicyFor(step.Plugin, step.Function))
            {
                case ApprovalMode.Deny:
                    await FailAsync(run, plan, step, $"{step.Tool} is not allowed by the approval policy.");
                    return;
                case ApprovalMode.Ask when !step.Approved:
                    await AskApprovalAsync(run, plan, step, total);
                    return;
            }
            step.Status = "running";
            await store.UpdateAsync(run, null, plan, release: false,
            [
                (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Executing, run.Id)),
                (EventTypes.WorkflowStepStarted, new WorkflowStepPayload(run.Id, step.Number, total, step.Action)),
            ], cancellationToken);
            try
            {
                var result = await kernel.InvokeAsync(step.Plugin, step.Function, new KernelArguments(step.Arguments.ToDictionary(a => a.Key, a => (object?)a.Value)), cancellationToken);
                var value = result.GetValue<object>();
                if (value is CommandResult { ExitCode: not 0 } failed)
                {
                    await FailAsync(run, plan, step, failed.TimedOut ? $"{failed.Command} took too long and was stopped." : $"{failed.Command} exited with code {failed.ExitCode}.");
                    return;
                }
                step.Status = "completed";
                step.Result = value is CommandResult ok ? Shorten(ok.Output) : Shorten(value?.ToString() ?? "");
                plan.Current++;
                await store.UpdateAsync(run, null, plan, release: false,
                [
                    (EventTypes.WorkflowStepCompleted, new WorkflowStepPayload(run.Id, step.Number, total, step.Action, step.Result)),
                    (EventTypes.Progress, new ProgressPayload(run.Id, 100 * step.Number / total, $"step {step.Number} of {total} done")),
                ], cancellationToken);
            }
            catch (ApprovalRequiredException)
            {
                await AskApprovalAsync(run, plan, step, total);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (!await store.IsCancelRequestedAsync(run.Id, CancellationToken.None))
                {
                    throw; // the Api is stopping: the run stays 'running' and is resumed after the restart
                }
                step.Status = "cancelled";
                await store.UpdateAsync(run, "cancelled", plan, release: true,
                [
                    (EventTypes.WorkflowCancelled, new WorkflowCancelledPayload(run.Id, step.Number, "Cancelled while it ran; the step was stopped.")),
                    (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Idle, run.Id)),
                ], CancellationToken.None);
                return;
            }
            catch (Exception e) when (e is ToolDeniedException or ToolFailedException or CommandRefusedException or KernelException or ArgumentException or InvalidOperationException)
            {
                await FailAsync(run, plan, step, e.Message);
                return;
            }
        }

        var summary = string.Join(Environment.NewLine, plan.Steps.Select(s => $"{s.Number}. {s.Action}: {s.Result}"));
        await store.UpdateAsync(run, "completed", plan, release: true,
        [
            (EventTypes.WorkflowCompleted, new WorkflowCompletedPayload(run.Id, total)),
            (EventTypes.GoalCompleted, new GoalCompletedPayload(run.Id, plan.Goal, summary)),
            (EventTypes.Progress, new ProgressPayload(run.Id, 100, "done")),
            (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Idle, run.Id)),
        ], CancellationToken.None);
        LogCompleted(run.Id, total);
    }

    /// <summary>Appends one event of the run as it happens (a token, a tool's start or end).</summary>
    private Task EmitAsync(RunRecord run, string type, object payload) =>
        store.UpdateAsync(run, null, null, release: false, [(type, payload)], CancellationToken.None);

    private Task AskApprovalAsync(RunRecord run, PlanState plan, PlanStep step, int total)
    {
        step.Status = "waiting_approval";
        var details = $"Step {step.Number} of {total} wants to run {step.Tool} with {string.Join(", ", step.Arguments.Select(a => $"{a.Key}={a.Value}"))}.";
        return store.UpdateAsync(run, "waiting_approval", plan, release: true,
        [
            (EventTypes.WorkflowApprovalRequired, new WorkflowApprovalRequiredPayload(run.Id, step.Number, step.Action, details, step.Tool, step.Arguments)),
            (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.WaitingApproval, run.Id)),
        ], CancellationToken.None);
    }

    private Task FailAsync(RunRecord run, PlanState plan, PlanStep step, string error)
    {
        step.Status = "failed";
        step.Result = error;
        return store.UpdateAsync(run, "failed", plan, release: true,
        [
            (EventTypes.WorkflowFailed, new WorkflowFailedPayload(run.Id, step.Number, error)),
            (EventTypes.BotStatus, new BotStatusPayload(BotStatuses.Error, run.Id)),
        ], CancellationToken.None, error);
    }

    private static string Shorten(string text) => text.Length > 2_000 ? string.Concat(text.AsSpan(0, 2_000), "…") : text.TrimEnd();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Workflow {RunId} completed its {Steps} steps")]
    private partial void LogCompleted(Guid runId, int steps);
}
