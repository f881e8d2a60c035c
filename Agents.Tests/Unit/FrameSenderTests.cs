using System.Text;
using Agents.Realtime.WebSockets;

namespace Agents.Tests.Unit;

/// <summary>
/// How a /ws client's frames are written: at once while the connection is free, queued behind a write that must wait,
/// in order either way, the WebSocket's own writes (pongs, the close frame) among them; a client that lets too many
/// queue up is dropped; a failed write ends the sender. The connection here is a scripted stream (the end-to-end
/// WebSocket tests cover Kestrel's).
/// </summary>
public sealed class FrameSenderTests
{
    [Fact]
    public void WhileTheSocketIsFreeEachFrameIsWrittenBeforeSendReturns()
    {
        var socket = new ScriptedStream();
        var sender = new FrameSender(socket, queueLimit: 2, onTooSlow: () => Assert.Fail("not slow"), onFailed: () => Assert.Fail("not failed"));

        sender.Send(Frame("a"));
        Assert.Equal(["a"], socket.Written);
        sender.Send(Frame("b"));
        Assert.Equal(["a", "b"], socket.Written);
    }

    [Fact]
    public async Task FramesGivenWhileASendWaitsFollowItInOrder()
    {
        var socket = new ScriptedStream();
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
        var socket = new ScriptedStream();
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
        var socket = new ScriptedStream();
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
        var socket = new ScriptedStream();
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
        held.SetException(new IOException("reset"));
        await firstFailure.Task.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await sender.CompleteAsync(TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        sender.Send(Frame("3"));

        Assert.Equal(1, failed);
        Assert.Equal(["1"], socket.Written);
    }

    [Fact]
    public async Task TheWebSocketsOwnWritesTakeTheSameQueueAndAreTakenAfterCompletion()
    {
        var socket = new ScriptedStream();
        var sender = new FrameSender(socket, queueLimit: 1, onTooSlow: () => Assert.Fail("not slow"), onFailed: () => Assert.Fail("not failed"));
        var held = socket.HoldNextSend();
        sender.Send(Frame("1"));
        var pong = sender.WriteAsync(Frame("pong"));
        var completed = sender.CompleteAsync(TimeSpan.FromSeconds(30));
        var close = sender.WriteAsync(Frame("close"));
        Assert.False(pong.IsCompleted);

        held.SetResult();
        await Task.WhenAll(pong, close, completed).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(["1", "pong", "close"], socket.Written);
    }

    [Fact]
    public async Task ATooSlowClientsQueuedWebSocketWritesFailRatherThanWaitForever()
    {
        var socket = new ScriptedStream();
        var tooSlow = 0;
        var sender = new FrameSender(socket, queueLimit: 1, onTooSlow: () => tooSlow++, onFailed: () => Assert.Fail("not failed"));
        var held = socket.HoldNextSend();
        sender.Send(Frame("1"));
        var pong = sender.WriteAsync(Frame("pong"));

        sender.Send(Frame("2"));
        Assert.Equal(1, tooSlow);
        await Assert.ThrowsAsync<IOException>(() => pong.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));

        held.SetResult();
        await sender.CompleteAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["1"], socket.Written);
    }

    [Fact]
    public async Task AfterAFailureTheWebSocketsOwnWritesFail()
    {
        var socket = new ScriptedStream();
        var sender = new FrameSender(socket, queueLimit: 10, onTooSlow: () => Assert.Fail("not slow"), onFailed: () => { });
        var held = socket.HoldNextSend();
        sender.Send(Frame("1"));
        var queued = sender.WriteAsync(Frame("pong"));

        held.SetException(new IOException("reset"));
        await Assert.ThrowsAsync<IOException>(() => queued.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<IOException>(() => sender.WriteAsync(Frame("close")));
        Assert.Equal(["1"], socket.Written);
    }

    private static byte[] Frame(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Records what is written; a write can be held pending until the test lets it complete (or fail).</summary>
    private sealed class ScriptedStream : ConnectionStream
    {
        private readonly Lock _gate = new();
        private readonly List<string> _written = [];
        private TaskCompletionSource? _holdNext;
        private int _writesUnderWay;

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

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                _written.Add(Encoding.UTF8.GetString(buffer.Span));
                MostSendsAtOnce = Math.Max(MostSendsAtOnce, ++_writesUnderWay);
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
                _writesUnderWay--;
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override bool CanRead => false;

        public override bool CanWrite => true;
    }
}
