using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace Agents.Realtime.WebSockets;

public static class WebSocketEndpoint
{
    private static int s_openConnections;

    /// <summary>The /ws connections open on this instance.</summary>
    public static int OpenConnections => Volatile.Read(ref s_openConnections);

    internal const string Path = "/ws";

    /// <summary>/ws connections accepted before Kestrel's HTTP server (see <see cref="DirectWebSockets"/>).</summary>
    public static WebApplicationBuilder AddDirectWebSockets(this WebApplicationBuilder builder)
    {
        DirectWebSockets.AddTo(builder);
        return builder;
    }

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

    private static async Task AcceptAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket required",
                detail: "Connect to /ws with a WebSocket upgrade request.").ExecuteAsync(http);
            return;
        }
        var connectionId = NewConnectionId();
        WebSocket socket;
        using (var handshake = StartHandshake(connectionId, "http", parent: default))
        {
            socket = await http.WebSockets.AcceptWebSocketAsync();
            handshake?.SetTag("http.response.status_code", StatusCodes.Status101SwitchingProtocols);
        }
        using var owned = socket;
        var wire = http.Features.Get<WebSocketWire>() ?? throw new InvalidOperationException("UseWebSocketWire() must come before UseWebSockets().");
        await RunSessionAsync(http.RequestServices, socket, wire, http.Abort, connectionId, http.User.UserName(), http.BearerToken() ?? "", http.RequestAborted);
    }

    internal static string NewConnectionId() => $"ws-{Guid.NewGuid():N}";

    /// <summary>
    /// The connection's handshake as a span of its own that ends once the WebSocket is open (on Kestrel's path it is a
    /// child of the request's span, which lasts as long as the connection): <c>agents.ws.handshake</c> says which path
    /// took it, <c>direct</c> (<see cref="DirectWebSockets"/>) or <c>http</c>.
    /// </summary>
    internal static Activity? StartHandshake(string connectionId, string path, ActivityContext parent, string urlPath = Path)
    {
        // A default parent: the current activity's child (or a root).
        var activity = WebSocketSession.Tracing.StartActivity("ws connect", ActivityKind.Server, parent);
        activity?.SetTag("url.path", urlPath);
        activity?.SetTag("agents.connection.id", connectionId);
        activity?.SetTag("agents.ws.handshake", path);
        return activity;
    }

    /// <summary>Runs an open /ws connection's session to its end, whichever path accepted it.</summary>
    internal static async Task RunSessionAsync(IServiceProvider services, WebSocket socket, WebSocketWire wire, Action abortConnection, string connectionId,
        string userName, string accessToken, CancellationToken connectionClosed)
    {
        Interlocked.Increment(ref s_openConnections);
        try
        {
            var session = new WebSocketSession(socket, wire, abortConnection, services.GetRequiredService<ThreadSessions>(),
                services.GetRequiredService<UserRateLimiter>(), services.GetRequiredService<IOptions<RealtimeOptions>>().Value,
                services.GetRequiredService<WebSocketHeartbeat>(), services.GetRequiredService<ILogger<WebSocketSession>>());
            await session.RunAsync(connectionId, userName, accessToken, connectionClosed);
        }
        finally
        {
            Interlocked.Decrement(ref s_openConnections);
        }
    }
}
