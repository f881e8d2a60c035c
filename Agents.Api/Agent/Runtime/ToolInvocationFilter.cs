using Agents.Api.Agent.Tools;
using Microsoft.SemanticKernel;

namespace Agents.Api.Agent.Runtime;

/// <summary>A tool call that needs a person's approval first.</summary>
public sealed class ApprovalRequiredException(PlanStep step) : Exception($"{step.Tool} needs approval.")
{
    public PlanStep Step { get; } = step;
}

/// <summary>A tool call the approval policy forbids.</summary>
public sealed class ToolDeniedException(string tool) : Exception($"{tool} is not allowed by the approval policy.");

/// <summary>A tool could not do what it was asked; the message says why in words (the step fails with it).</summary>
public sealed class ToolFailedException(string message) : Exception(message);

/// <summary>The run a kernel works for, and how it reports what happens.</summary>
public sealed class RunContext(Guid runId, string requestedBy, PlanState plan, Func<string, object, Task> emit)
{
    public Guid RunId { get; } = runId;

    /// <summary>Who asked for the run (rules it creates are theirs).</summary>
    public string RequestedBy { get; } = requestedBy;

    public PlanState Plan { get; } = plan;

    public Task EmitAsync(string type, object payload) => emit(type, payload);
}

/// <summary>
/// Wraps every tool call of the kernel: applies the approval policy (deny, or ask unless the step was approved),
/// honours cancel, and appends the tool's start and end events to the thread's log.
/// </summary>
public sealed class ToolInvocationFilter(RunContext run, AgentOptions options) : IFunctionInvocationFilter
{
    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        var plugin = context.Function.PluginName ?? "";
        var function = context.Function.Name;
        var step = run.Plan.CurrentStep ?? throw new InvalidOperationException("A tool was called outside a plan step.");
        switch (options.PolicyFor(plugin, function))
        {
            case ApprovalMode.Deny:
                throw new ToolDeniedException($"{plugin}.{function}");
            case ApprovalMode.Ask when !step.Approved:
                throw new ApprovalRequiredException(step);
        }
        context.CancellationToken.ThrowIfCancellationRequested();

        var arguments = context.Arguments.Where(a => a.Value is not null).ToDictionary(a => a.Key, a => a.Value!.ToString() ?? "");
        var isCommand = plugin == "commands" && function == "run";
        if (isCommand)
        {
            await run.EmitAsync(EventTypes.CommandExecutionStart, new CommandExecutionStartPayload(run.RunId, step.Number,
                arguments.GetValueOrDefault("command", ""), CommandsPlugin.SplitArguments(arguments.GetValueOrDefault("arguments", ""))));
        }
        else
        {
            await run.EmitAsync(EventTypes.ToolCode, new ToolCodePayload(run.RunId, step.Number, $"{plugin}.{function}", arguments));
        }

        await next(context);

        switch (context.Result.GetValue<object>())
        {
            case CommandResult result:
                await run.EmitAsync(EventTypes.CommandExecutionEnd, new CommandExecutionEndPayload(run.RunId, step.Number, result.Command,
                    result.ExitCode, result.Output, result.Truncated, result.TimedOut, result.DurationMs));
                break;
            case var other:
                await run.EmitAsync(EventTypes.ToolOutput, new ToolOutputPayload(run.RunId, step.Number, $"{plugin}.{function}", other?.ToString() ?? ""));
                break;
        }
    }
}
