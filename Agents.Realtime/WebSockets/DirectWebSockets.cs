using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// Kestrel connection middleware in front of the HTTP server. A connection whose first request is a plain upgrade to
/// /ws or to the hub (one that skipped negotiation; see <see cref="UpgradeRequestHead"/>) with a token that passes is
/// answered here and becomes a WebSocket on the connection's input pipe and its socket: no HTTP/1.1 connection,
/// request, headers, middleware awaits or request span stay under it for the hours a client stays, which is most of
/// what an idle client cost (see bench/realtime/README.md, "What a /ws connection holds"). A /ws connection runs its
/// session; a hub connection runs SignalR's hub handler over it (<see cref="DirectHubConnection"/>). Any other
/// connection, and a request this does not take (not plain, negotiated, or its token does not pass), goes to the HTTP
/// server with nothing read from it, which answers and runs it as it always has. The token is checked by the app's own
/// authentication handler and authorization policy (the hub's and /ws's: the default one).
/// </summary>
internal sealed partial class DirectWebSockets(
    IServiceProvider services,
    IServiceScopeFactory scopes,
    IAuthorizationPolicyProvider policies,
    IAuthorizationService authorization,
    IOptions<KestrelServerOptions> kestrel,
    IOptions<WebSocketOptions> webSockets,
    ILogger<DirectWebSockets> logger)
{
    // RFC 6455, section 4.2.2: the GUID the client's key is hashed with.
    private static ReadOnlySpan<byte> AcceptGuid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>Puts this in front of the HTTP server on every endpoint Kestrel listens on, unless <c>Realtime:DirectWebSockets</c> is false.</summary>
    public static void AddTo(WebApplicationBuilder builder) =>
        builder.WebHost.ConfigureKestrel(options => options.ConfigureEndpointDefaults(listen =>
        {
            if (listen.ApplicationServices.GetRequiredService<IOptions<RealtimeOptions>>().Value.DirectWebSockets)
            {
                var direct = ActivatorUtilities.CreateInstance<DirectWebSockets>(listen.ApplicationServices);
                listen.Use(next => connection => direct.OnConnectionAsync(connection, next));
            }
        }));

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        Accepted? accepted;
        try
        {
            accepted = await TryAcceptAsync(connection);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return; // the client went away during the handshake
        }
        if (accepted is null)
        {
            await next(connection);
            return;
        }
        using (accepted.Socket)
        {
            if (accepted.IsHub)
            {
                await DirectHubConnection.RunAsync(services, connection, accepted.Socket, accepted.Wire, accepted.ConnectionId, accepted.User,
                    accepted.AccessToken);
                return;
            }
            await WebSocketEndpoint.RunSessionAsync(services, accepted.Socket, accepted.Wire, () => connection.Abort(), accepted.ConnectionId,
                accepted.User.UserName(), accepted.AccessToken, connection.ConnectionClosed);
        }
    }

    /// <summary>
    /// The accepted WebSocket, or null for the HTTP server, with nothing consumed from the connection. Only ever looks:
    /// each read waits for more bytes than the last (never "examined to the end"), so the HTTP server's first read finds
    /// them all at once. A client that sends no whole head in Kestrel's time is closed, as Kestrel closes it.
    /// </summary>
    private async Task<Accepted?> TryAcceptAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var limits = kestrel.Value.Limits;
        var maxHeadBytes = limits.MaxRequestLineSize + limits.MaxRequestHeadersTotalSize;
        // Kestrel's own timeouts: the keep-alive one until the first byte, the request headers one for the rest.
        using var timeout = new CancellationTokenSource(limits.KeepAliveTimeout);
        var wanted = 1;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAtLeastAsync(wanted, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                connection.Abort(new ConnectionAbortedException("No request head in time."));
                return null;
            }
            var buffer = read.Buffer;
            if (wanted == 1)
            {
                timeout.CancelAfter(limits.RequestHeadersTimeout);
            }
            var state = UpgradeRequestHead.TryRead(buffer, maxHeadBytes, limits.MaxRequestHeaderCount, out var head, out var headLength);
            if (state == HeadState.NeedMore && !read.IsCompleted && !read.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                wanted = (int)buffer.Length + 1;
                continue;
            }
            var user = state == HeadState.Ours ? await AuthenticateAsync(head!) : null;
            if (user is null)
            {
                input.AdvanceTo(buffer.Start);
                return null;
            }
            input.AdvanceTo(buffer.GetPosition(headLength));
            return await AcceptAsync(connection, head!, user.Value.User, user.Value.Token);
        }
    }

    /// <summary>The user and token when the request would pass its endpoint's authentication and authorization; null sends it to the HTTP server.</summary>
    private async Task<(ClaimsPrincipal User, string Token)?> AuthenticateAsync(UpgradeRequestHead head)
    {
        await using var scope = scopes.CreateAsyncScope();
        // The request as the authentication handler would see it on the HTTP server (token in the header or the query).
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = HttpMethods.Get;
        http.Request.Path = head.Path;
        http.Request.QueryString = new QueryString(head.Query);
        if (head.Authorization is not null)
        {
            http.Request.Headers.Authorization = head.Authorization;
        }
        try
        {
            var result = await http.AuthenticateAsync();
            if (!result.Succeeded || !(await authorization.AuthorizeAsync(result.Principal, await policies.GetDefaultPolicyAsync())).Succeeded)
            {
                return null;
            }
            return (result.Principal, http.BearerToken() ?? "");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The HTTP server runs the same check again and answers the failure as it always has.
            LogAuthenticationFailed(e);
            return null;
        }
    }

    private async Task<Accepted> AcceptAsync(ConnectionContext connection, UpgradeRequestHead head, ClaimsPrincipal user, string accessToken)
    {
        var connectionId = head.IsHub ? Guid.NewGuid().ToString("N") : WebSocketEndpoint.NewConnectionId();
        var output = Output(connection);
        // The front door's trace, when it sent one.
        ActivityContext.TryParse(head.TraceParent, head.TraceState, isRemote: true, out var parent);
        using (var handshake = WebSocketEndpoint.StartHandshake(connectionId, "direct", parent, head.Path))
        {
            handshake?.SetTag("http.request.method", HttpMethods.Get);
            await output.WriteAsync(SwitchingProtocols(head.Key));
            handshake?.SetTag("http.response.status_code", StatusCodes.Status101SwitchingProtocols);
        }
        Activity.Current = null; // the session's frames are traces of their own
        var wire = new WebSocketWire(new PipeInput(connection.Transport.Input), output);
        var socket = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions
        {
            IsServer = true,
            // SignalR keeps a hub connection alive with pings of its own, as over its HTTP transport.
            KeepAliveInterval = head.IsHub ? TimeSpan.Zero : webSockets.Value.KeepAliveInterval,
            KeepAliveTimeout = head.IsHub ? Timeout.InfiniteTimeSpan : webSockets.Value.KeepAliveTimeout,
        });
        return new Accepted(socket, wire, connectionId, user, accessToken, head.IsHub);
    }

    /// <summary>
    /// Where the connection's bytes go out: its socket itself when Kestrel's transport has one (each write is one
    /// non-blocking <c>send</c>, with no copy into the output pipe and no pass through Kestrel's send loop), else the
    /// output pipe. Everything after the head is written here, the 101 included, so the pipe stays empty and nothing
    /// overtakes.
    /// </summary>
    private static Stream Output(ConnectionContext connection) =>
        connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket
            ? new SocketOutput(socket)
            : connection.Transport.Output.AsStream();

    private static byte[] SwitchingProtocols(string key)
    {
        Span<byte> keyAndGuid = stackalloc byte[key.Length + AcceptGuid.Length];
        Encoding.ASCII.GetBytes(key, keyAndGuid);
        AcceptGuid.CopyTo(keyAndGuid[key.Length..]);
#pragma warning disable CA5350 // SHA-1 is what RFC 6455 prescribes for Sec-WebSocket-Accept; it protects nothing.
        var accept = Convert.ToBase64String(SHA1.HashData(keyAndGuid));
#pragma warning restore CA5350
        return Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
    }

    private sealed record Accepted(WebSocket Socket, WebSocketWire Wire, string ConnectionId, ClaimsPrincipal User, string AccessToken, bool IsHub);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking a WebSocket upgrade's token failed; the HTTP server takes the request")]
    private partial void LogAuthenticationFailed(Exception exception);
}
