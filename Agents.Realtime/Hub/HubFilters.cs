using Microsoft.AspNetCore.SignalR;

namespace Agents.Realtime.Hub;

/// <summary>
/// Turns failures of hub methods into typed errors: the caller gets an Error event with a code, and the invocation
/// fails with "code: message". Anything unexpected is logged and reported as internal, without details.
/// </summary>
public sealed partial class HubErrorFilter(IHubContext<AgentHub, IAgentClient> hubContext, ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ErrorEvent error;
        try
        {
            return await next(invocationContext);
        }
        catch (HubOperationException e)
        {
            error = e.ToEvent(invocationContext.HubMethodName);
        }
        catch (Exception e) when (e is not HubException and not OperationCanceledException)
        {
            LogUnexpected(e, invocationContext.HubMethodName);
            error = new ErrorEvent(ErrorCodes.Internal, "Something went wrong on our side; try again.", invocationContext.HubMethodName);
        }
        await hubContext.Clients.Client(invocationContext.Context.ConnectionId).Error(error);
        throw new HubException($"{error.Code}: {error.Message}");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub method {Method} failed")]
    private partial void LogUnexpected(Exception exception, string method);
}

/// <summary>Per-user rate limits on every hub method (an IHubFilter, so it holds for WebSocket traffic too).</summary>
public sealed class HubRateLimitFilter(UserRateLimiter limiter) : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var user = invocationContext.Context.User?.UserName() ?? invocationContext.Context.ConnectionId;
        limiter.Acquire(user, isMessage: invocationContext.HubMethodName == nameof(AgentHub.SendMessage));
        return next(invocationContext);
    }
}
