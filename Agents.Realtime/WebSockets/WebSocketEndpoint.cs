using Microsoft.Extensions.Options;

namespace Agents.Realtime.WebSockets;

public static class WebSocketEndpoint
{
    private static int s_openConnections;

    /// <summary>The /ws connections open on this instance.</summary>
    public static int OpenConnections => Volatile.Read(ref s_openConnections);

    private const string Path = "/ws";

    /// <summary>Goes before <c>UseWebSockets</c>: a /ws connection's frames are then written by its session directly (see <see cref="WebSocketWire"/>).</summary>
    public static IApplicationBuilder UseWebSocketWire(this IApplicationBuilder app) => WebSocketWire.CaptureAt(app, Path);

    /// <summary>
    /// <c>/ws</c>: the plain WebSocket protocol (JSON <c>{type, payload}</c> frames) for clients that do not speak SignalR;
    /// the token comes in the Authorization header or the access_token query parameter. <c>/ws/health</c>: this
    /// instance's state, anonymous.
    /// </summary>
    public static IEndpointRouteBuilder MapWebSocketApi(this IEndpointRouteBuilder app)
    {
        app.Map(Path, AcceptAsync).RequireAuthorization().WithName("WebSocket");
        app.MapGet("/ws/health", () => TypedResults.Ok(new HealthResponsePayload("healthy", Environment.MachineName, OpenConnections, DateTimeOffset.UtcNow)))
            .AllowAnonymous().WithName("WebSocketHealth");
        return app;
    }

    private static async Task AcceptAsync(HttpContext http, ThreadSessions sessions, UserRateLimiter limiter, IOptions<RealtimeOptions> options, ILoggerFactory loggers)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket required",
                detail: "Connect to /ws with a WebSocket upgrade request.").ExecuteAsync(http);
            return;
        }
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var wire = http.Features.Get<WebSocketWire>() ?? throw new InvalidOperationException("UseWebSocketWire() must come before UseWebSockets().");
        Interlocked.Increment(ref s_openConnections);
        try
        {
            var session = new WebSocketSession(socket, wire, http.Abort, sessions, limiter, options.Value, loggers.CreateLogger<WebSocketSession>());
            await session.RunAsync(http.User.UserName(), http.BearerToken() ?? "", http.RequestAborted);
        }
        finally
        {
            Interlocked.Decrement(ref s_openConnections);
        }
    }
}
