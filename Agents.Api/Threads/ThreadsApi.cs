using Microsoft.AspNetCore.Http.HttpResults;

namespace Agents.Api.Threads;

public static class ThreadsApi
{
    /// <summary>Threads, members, messages and the event log; every endpoint needs a signed-in member.</summary>
    public static RouteGroupBuilder MapThreadsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/threads").WithTags("Threads").RequireAuthorization();
        group.MapPost("/", CreateThread).WithName("CreateThread").WithSummary("Create a thread; the caller owns it");
        group.MapGet("/", ListThreads).WithName("ListThreads").WithSummary("The threads the caller is a member of");
        group.MapGet("/{id:guid}", GetThread).WithName("GetThread").WithSummary("A thread with its members");
        group.MapPatch("/{id:guid}", RenameThread).WithName("RenameThread").WithSummary("Rename a thread");
        group.MapPost("/{id:guid}/members", AddMember).WithName("AddMember").WithSummary("Invite a user (owner only)");
        group.MapPost("/{id:guid}/messages", PostMessage).WithName("PostMessage").WithSummary("Send a message; idempotent on clientMessageId");
        group.MapPost("/{id:guid}/messages/batch", PostMessages).WithName("PostMessages")
            .WithSummary("Send several messages in order, in one transaction; each idempotent on its clientMessageId");
        group.MapGet("/{id:guid}/events", GetEvents).WithName("GetEvents").WithSummary("Page the thread's event log after a seq");
        return group;
    }

    private static async Task<Created<ThreadSummary>> CreateThread(CreateThreadRequest request, HttpContext http, ThreadStore store, CancellationToken cancellationToken)
    {
        var thread = await store.CreateAsync(http.User.UserName(), request.Title.Trim(), cancellationToken);
        return TypedResults.Created($"/api/threads/{thread.Id}", thread);
    }

    private static async Task<Ok<IReadOnlyList<ThreadSummary>>> ListThreads(HttpContext http, ThreadStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListAsync(http.User.UserName(), cancellationToken));

    private static async Task<Results<Ok<ThreadDetails>, ProblemHttpResult>> GetThread(Guid id, HttpContext http, ThreadStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, http.User.UserName(), cancellationToken) is { } thread ? TypedResults.Ok(thread) : NotFound(id);

    private static async Task<Results<NoContent, ProblemHttpResult>> RenameThread(Guid id, RenameThreadRequest request, HttpContext http, ThreadStore store, CancellationToken cancellationToken) =>
        await store.RenameAsync(id, http.User.UserName(), request.Title.Trim(), cancellationToken) switch
        {
            ThreadAccess.Ok => TypedResults.NoContent(),
            _ => NotFound(id),
        };

    private static async Task<Results<NoContent, ProblemHttpResult>> AddMember(Guid id, AddMemberRequest request, HttpContext http, ThreadStore store, CancellationToken cancellationToken) =>
        await store.AddMemberAsync(id, http.User.UserName(), request.UserName, cancellationToken) switch
        {
            ThreadAccess.Ok => TypedResults.NoContent(),
            ThreadAccess.Forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only the thread's owner can invite"),
            _ => NotFound(id),
        };

    private static async Task<Results<Created<SendMessageResult>, Ok<SendMessageResult>, ProblemHttpResult>> PostMessage(
        Guid id, PostMessageRequest request, HttpContext http, MessageStore messages, CancellationToken cancellationToken)
    {
        var stored = await messages.PostAsync(id, http.User.UserName(), [new NewMessage(request.ClientMessageId, request.Text)], cancellationToken);
        if (stored?.Results is not [var result])
        {
            return NotFound(id);
        }
        // A retry answers 200 with the first attempt's seq; the first attempt answers 201.
        return result.Duplicate ? TypedResults.Ok(result) : TypedResults.Created($"/api/threads/{id}/events?afterSeq={result.Seq - 1}&limit=1", result);
    }

    private static async Task<Results<Ok<PostMessagesResult>, ProblemHttpResult>> PostMessages(
        Guid id, PostMessagesRequest request, HttpContext http, MessageStore messages, CancellationToken cancellationToken)
    {
        var stored = await messages.PostAsync(id, http.User.UserName(), [.. request.Messages.Select(m => new NewMessage(m.ClientMessageId, m.Text))], cancellationToken);
        return stored is not null ? TypedResults.Ok(new PostMessagesResult(stored.Results)) : NotFound(id);
    }

    private static async Task<Results<Ok<ThreadEventPage>, ProblemHttpResult>> GetEvents(
        Guid id, HttpContext http, ThreadStore store, CancellationToken cancellationToken, long afterSeq = 0, int limit = 200)
    {
        if (afterSeq < 0 || limit is < 1 or > ThreadLimits.MaxEventsPerPage)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid page",
                detail: $"afterSeq must be 0 or more and limit between 1 and {ThreadLimits.MaxEventsPerPage}.");
        }
        return await store.GetEventsAsync(id, http.User.UserName(), afterSeq, limit, cancellationToken) is { } page ? TypedResults.Ok(page) : NotFound(id);
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Thread not found",
            detail: $"There is no thread {id} that you are a member of.");
}
