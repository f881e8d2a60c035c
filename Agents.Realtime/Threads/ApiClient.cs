using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc;

namespace Agents.Realtime.Threads;

/// <summary>
/// Calls the Api on a user's behalf, with the user's own token, so the Api decides membership. Failures become
/// <see cref="HubOperationException"/>s with codes the client understands.
/// </summary>
public sealed class ApiClient(HttpClient http)
{
    public const int PageSize = 500;

    public Task<ThreadEventPage> GetEventsAsync(string accessToken, Guid threadId, long afterSeq, CancellationToken cancellationToken) =>
        SendAsync<ThreadEventPage>(HttpMethod.Get, $"/api/threads/{threadId}/events?afterSeq={afterSeq}&limit={PageSize}", accessToken, null, cancellationToken);

    public Task<WorkflowActionResult> DecideAsync(string accessToken, Guid workflowId, WorkflowApprovalRequest decision, CancellationToken cancellationToken) =>
        SendAsync<WorkflowActionResult>(HttpMethod.Post, $"/api/runs/{workflowId}/approval", accessToken, decision, cancellationToken);

    public Task<WorkflowActionResult> CancelAsync(string accessToken, Guid workflowId, CancellationToken cancellationToken) =>
        SendAsync<WorkflowActionResult>(HttpMethod.Post, $"/api/runs/{workflowId}/cancel", accessToken, new { }, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, string accessToken, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new HubOperationException(ErrorCodes.Unavailable, "The Api cannot be reached; try again shortly.");
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return (await response.Content.ReadFromJsonAsync<T>(cancellationToken))!;
            }
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                ? await response.Content.ReadFromJsonAsync<ValidationProblemDetails>(cancellationToken)
                : null;
            throw response.StatusCode switch
            {
                HttpStatusCode.NotFound => new HubOperationException(ErrorCodes.NotMember, problem?.Detail ?? "No such thread, or you are not a member of it."),
                HttpStatusCode.Unauthorized => new HubOperationException(ErrorCodes.Unauthorized, "Your sign-in has expired; sign in again."),
                HttpStatusCode.Forbidden => new HubOperationException(ErrorCodes.NotMember, problem?.Title ?? "Not allowed."),
                HttpStatusCode.BadRequest => new HubOperationException(ErrorCodes.Validation, Describe(problem)),
                HttpStatusCode.Conflict => new HubOperationException(ErrorCodes.Conflict, Describe(problem)),
                _ => new HubOperationException(ErrorCodes.Unavailable, $"The Api answered {(int)response.StatusCode}; try again shortly."),
            };
        }
    }

    private static string Describe(ValidationProblemDetails? problem) =>
        problem is null ? "The request is invalid."
            : problem.Errors.Count > 0 ? string.Join(" ", problem.Errors.SelectMany(e => e.Value))
            : problem.Detail ?? problem.Title ?? "The request is invalid.";
}
