using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Agents.Api.Runs;

public static class RunsApi
{
    /// <summary>Decisions about a run (a workflow): approve or reject the step it waits on, or cancel it.</summary>
    public static RouteGroupBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/runs").WithTags("Runs").RequireAuthorization();
        group.MapPost("/{id:guid}/approval", Decide).WithName("DecideApproval").WithSummary("Approve (optionally with edited arguments) or reject the waiting step");
        group.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelRun").WithSummary("Cancel a workflow or a reply, wherever it runs");
        return group;
    }

    private static async Task<Results<Ok<WorkflowActionResult>, ProblemHttpResult>> Decide(
        Guid id, WorkflowApprovalRequest request, HttpContext http, [AsParameters] RunServices services, CancellationToken cancellationToken)
    {
        var (access, problem) = await services.Store.DecideAsync(id, http.User.UserName(), request, services.Options.Value, cancellationToken);
        return access switch
        {
            RunAccess.Ok => TypedResults.Ok(new WorkflowActionResult(id, request.Approved ? "queued" : "cancelled")),
            RunAccess.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Nothing to decide", detail: problem),
            _ => NotFound(id),
        };
    }

    private static async Task<Results<Ok<WorkflowActionResult>, Accepted<WorkflowActionResult>, ProblemHttpResult>> Cancel(
        Guid id, HttpContext http, [AsParameters] RunServices services, CancellationToken cancellationToken)
    {
        var (access, signalHolder, problem) = await services.Store.CancelAsync(id, http.User.UserName(), cancellationToken);
        switch (access)
        {
            case RunAccess.Ok when signalHolder:
                // The instance that holds the run stops it; it also checks the flag, should this signal be lost.
                await services.Redis.GetSubscriber().PublishAsync(RunWorker.CancelChannel, id.ToString());
                return TypedResults.Accepted($"/api/runs/{id}", new WorkflowActionResult(id, "cancelling"));
            case RunAccess.Ok:
                return TypedResults.Ok(new WorkflowActionResult(id, "cancelled"));
            case RunAccess.Conflict:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already finished", detail: problem);
            default:
                return NotFound(id);
        }
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Workflow not found",
            detail: $"There is no workflow {id} in a thread you are a member of.");

    internal sealed record RunServices(RunStore Store, IConnectionMultiplexer Redis, IOptions<AgentOptions> Options);
}
