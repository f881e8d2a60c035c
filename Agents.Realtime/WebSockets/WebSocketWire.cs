using Microsoft.AspNetCore.Http.Features;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// A /ws client's connection as ASP.NET Core's WebSocket sees it. Reads go to the connection; writes (the WebSocket's
/// own: pongs to the client's pings, its close frame) go through the session's <see cref="FrameSender"/>, which writes
/// the session's frames to <see cref="Output"/> directly: one writer, so a pong never lands inside a batch. Over
/// Kestrel's upgraded request <paramref name="input"/> and <paramref name="output"/> are its one stream
/// (<see cref="CaptureAt"/> puts the wire under the WebSocket before the upgrade); over a connection that
/// <see cref="DirectWebSockets"/> took, they are its transport's input pipe and its socket.
/// </summary>
public sealed class WebSocketWire(Stream input, Stream output) : ConnectionStream
{
    /// <summary>Where the connection's bytes go out (every write is flushed).</summary>
    public Stream Output => output;

    /// <summary>Set by the session once it has its sender; until then nothing else writes, so writes go straight through.</summary>
    public FrameSender? Sender { get; set; }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Sender is { } sender ? new ValueTask(sender.WriteAsync(buffer)) : output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        input.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

    // Every write is flushed by the output; a flush of its own here could run beside the sender's write.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            input.Dispose();
            if (output != input)
            {
                output.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await input.DisposeAsync();
        if (output != input)
        {
            await output.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// For requests to <paramref name="path"/>: the upgrade (HTTP/1.1) or extended CONNECT (HTTP/2) that the WebSocket
    /// middleware will accept hands it a <see cref="WebSocketWire"/>, which the endpoint then finds in the request's
    /// features. Goes before <c>UseWebSockets</c>.
    /// </summary>
    public static IApplicationBuilder CaptureAt(IApplicationBuilder app, PathString path) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.Equals(path))
            {
                if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
                {
                    context.Features.Set<IHttpUpgradeFeature>(new CapturingUpgrade(upgrade, context.Features));
                }
                else if (context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect)
                {
                    context.Features.Set<IHttpExtendedConnectFeature>(new CapturingExtendedConnect(connect, context.Features));
                }
            }
            return next(context);
        });

    private sealed class CapturingUpgrade(IHttpUpgradeFeature inner, IFeatureCollection features) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => Captured(features, await inner.UpgradeAsync());
    }

    private sealed class CapturingExtendedConnect(IHttpExtendedConnectFeature inner, IFeatureCollection features) : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => inner.IsExtendedConnect;

        public string? Protocol => inner.Protocol;

        public async ValueTask<Stream> AcceptAsync() => Captured(features, await inner.AcceptAsync());
    }

    private static WebSocketWire Captured(IFeatureCollection features, Stream connection)
    {
        var wire = new WebSocketWire(connection, connection);
        features.Set(wire);
        return wire;
    }
}
