using System.Net.WebSockets;
using System.Text;
using Agents.Realtime.WebSockets;

namespace Agents.Tests.Unit;

/// <summary>
/// How a /ws client's frames are written: at once while the socket is free, queued behind a send that must wait, in
/// order either way; a client that lets too many queue up is dropped; a failed send ends the sender. The socket here
/// is a scripted one (the end-to-end WebSocket tests cover the real one).
/// </summary>
public sealed class FrameSenderTests
{
    [Fact]
    public void WhileTheSocketIsFreeEachFrameIsWrittenBeforeSendReturns()
    {
        var socket = new ScriptedSocket();
        var sender = new FrameSender(socket, queueLimit: 2, onTooSlow: () => Assert.Fail("not slow"), onFailed: () => Assert.Fail("not failed"));

        sender.Send(Frame("a"));
        Assert.Equal(["a"], socket.Written);
        sender.Send(Frame("b"));
        Assert.Equal(["a", "b"], socket.Written);
    }

    [Fact]
    public async Task FramesGivenWhileASendWaitsFollowItInOrder()
    {
        var socket = new ScriptedSocket();
        var sender = new FrameSender(socket, queueLimit: 10, onTooSlow: () => Assert.Fail("not slow"), onFailed: () => Assert.Fail("not failed"));
        var held = socket.HoldNextSend();

        sender.Send(Frame("1"));
        sender.Send(Frame("2"));
        sender.Send(Frame("3"));
        Assert.Equal(["1"], socket.Written);

        held.SetResult();
        await socket.WaitForAsync(3);
        Assert.Equal(["1", "2", "3"], socket.Written);
        Assert.Equal(1, socket.MostSendsAtOnce);
    }

    [Fact]
    public async Task AClientThatLetsMoreThanTheLimitQueueUpIsTooSlowAndGetsNothingMore()
    {
        var socket = new ScriptedSocket();
        var tooSlow = 0;
        var sender = new FrameSender(socket, queueLimit: 2, onTooSlow: () => tooSlow++, onFailed: () => Assert.Fail("not failed"));
        var held = socket.HoldNextSend();

        sender.Send(Frame("1"));
        sender.Send(Frame("2"));
        sender.Send(Frame("3"));
        Assert.Equal(0, tooSlow);
        sender.Send(Frame("4"));
        Assert.Equal(1, tooSlow);
        sender.Send(Frame("5"));
        Assert.Equal(1, tooSlow);

        held.SetResult();
        await sender.CompleteAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["1"], socket.Written);
    }

    [Fact]
    public async Task CompletingWaitsUntilWhatWasGivenIsSentAndDropsWhatComesAfter()
    {
        var socket = new ScriptedSocket();
        var sender = new FrameSender(socket, queueLimit: 10, onTooSlow: () => Assert.Fail("not slow"), onFailed: () => Assert.Fail("not failed"));
        var held = socket.HoldNextSend();
        sender.Send(Frame("1"));
        sender.Send(Frame("2"));

        var completed = sender.CompleteAsync(TimeSpan.FromSeconds(30));
        sender.Send(Frame("late"));
        Assert.False(completed.IsCompleted);

        held.SetResult();
        await completed.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(["1", "2"], socket.Written);
    }

    [Fact]
    public async Task AFailedSendEndsTheSenderOnce()
    {
        var socket = new ScriptedSocket();
        var failed = 0;
        var firstFailure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = new FrameSender(socket, queueLimit: 10, onTooSlow: () => Assert.Fail("not slow"), onFailed: () =>
        {
            Interlocked.Increment(ref failed);
            firstFailure.TrySetResult();
        });
        var held = socket.HoldNextSend();
        sender.Send(Frame("1"));
        sender.Send(Frame("2"));

        // The failed send completes on another thread: wait for the sender to hear of it, not for a fixed time.
        held.SetException(new WebSocketException(WebSocketError.ConnectionClosedPrematurely));
        await firstFailure.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await sender.CompleteAsync(TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        sender.Send(Frame("3"));

        Assert.Equal(1, failed);
        Assert.Equal(["1"], socket.Written);
    }

    private static byte[] Frame(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Records what is sent; a send can be held pending until the test lets it complete (or fail).</summary>
    private sealed class ScriptedSocket : WebSocket
    {
        private readonly Lock _gate = new();
        private readonly List<string> _written = [];
        private TaskCompletionSource? _holdNext;
        private int _sendsUnderWay;

        public List<string> Written
        {
            get
            {
                lock (_gate)
                {
                    return [.. _written];
                }
            }
        }

        public int MostSendsAtOnce { get; private set; }

        public TaskCompletionSource HoldNextSend()
        {
            var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _holdNext = hold;
            return hold;
        }

        public async Task WaitForAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            while (Written.Count < count)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _written.Add(Encoding.UTF8.GetString(buffer.Span));
                MostSendsAtOnce = Math.Max(MostSendsAtOnce, ++_sendsUnderWay);
            }
            var hold = _holdNext;
            _holdNext = null;
            if (hold is null)
            {
                Finished();
                return ValueTask.CompletedTask;
            }
            return new ValueTask(hold.Task.ContinueWith(t =>
            {
                Finished();
                t.GetAwaiter().GetResult();
            }, TaskScheduler.Default));
        }

        private void Finished()
        {
            lock (_gate)
            {
                _sendsUnderWay--;
            }
        }

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
            SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

        public override WebSocketCloseStatus? CloseStatus => null;

        public override string? CloseStatusDescription => null;

        public override WebSocketState State => WebSocketState.Open;

        public override string? SubProtocol => null;

        public override void Abort()
        {
        }

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override void Dispose()
        {
        }
    }
}
