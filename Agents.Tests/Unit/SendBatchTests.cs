using System.Net.Sockets;
using System.Text;
using Agents.Realtime.Limits;
using Agents.Realtime.WebSockets;
using Agents.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Agents.Tests.Unit;

/// <summary>
/// A fan-out's writes sent a batch at a time through io_uring (<see cref="SendBatch"/>), over real loopback TCP
/// connections: nothing leaves before the flush, then every peer has its bytes; a write the socket has no room for
/// goes on once the peer reads, ahead of what follows; a peer that is gone fails its sender, as a write of its own does.
/// </summary>
public sealed class SendBatchTests : IDisposable
{
    private readonly SendBatches _batches = new(Options.Create(new RealtimeOptions()), NullLogger<SendBatches>.Instance);

    [Fact]
    public async Task WritesMadeWhileCollectingLeaveAtTheFlushAndEachPeerGetsItsOwn()
    {
        var pairs = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => SocketPair.ConnectAsync()));
        try
        {
            var senders = pairs.Select(pair => NewSender(pair.Server)).ToArray();
            using var batch = RentBatch();

            using (batch.Collect())
            {
                for (var i = 0; i < senders.Length; i++)
                {
                    senders[i].Send(Encoding.ASCII.GetBytes($"frame {i:D2}"));
                }
            }
            Assert.True(batch.HasWrites);
            await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.All(pairs, pair => Assert.Equal(0, pair.Client.Available)); // nothing sent before the flush

            batch.Flush();

            Assert.False(batch.HasWrites);
            for (var i = 0; i < pairs.Length; i++)
            {
                Assert.Equal($"frame {i:D2}", Encoding.ASCII.GetString(await pairs[i].ReadAsync(8)));
            }
        }
        finally
        {
            Array.ForEach(pairs, pair => pair.Dispose());
        }
    }

    [Fact]
    public async Task OutsideCollectAWriteIsSentAtOnce()
    {
        using var pair = await SocketPair.ConnectAsync();
        var sender = NewSender(pair.Server);
        using var batch = RentBatch();

        sender.Send("direct"u8.ToArray());

        Assert.False(batch.HasWrites);
        Assert.Equal("direct"u8.ToArray(), await pair.ReadAsync(6));
    }

    [Fact]
    public async Task AWriteTheSocketHasNoRoomForGoesOnOnceThePeerReadsAheadOfWhatFollows()
    {
        using var pair = await SocketPair.ConnectAsync();
        var sender = NewSender(pair.Server);
        // More than the kernel's send and receive buffers hold together (see SocketOutputTests), and the peer reads
        // nothing yet: the batched send takes part of it.
        var large = new byte[48 * 1024 * 1024];
        new Random(11).NextBytes(large);
        using var batch = RentBatch();

        using (batch.Collect())
        {
            sender.Send(large);
        }
        batch.Flush();
        sender.Send("after"u8.ToArray()); // the rest of the large write is under way: this queues behind it

        var received = await pair.ReadAsync(large.Length + 5);
        Assert.True(received.AsSpan(0, large.Length).SequenceEqual(large), "the large write arrived changed, repeated or out of order");
        Assert.Equal("after"u8.ToArray(), received[large.Length..]);
    }

    [Fact]
    public async Task APeerThatIsGoneFailsItsSenderAndTheOthersStillGetTheirs()
    {
        using var gone = await SocketPair.ConnectAsync();
        using var alive = await SocketPair.ConnectAsync();
        var failed = 0;
        var goneSender = new FrameSender(new SocketOutput(gone.Server), queueLimit: 100, onTooSlow: () => Assert.Fail("not slow"), onFailed: () => failed++);
        var aliveSender = NewSender(alive.Server);
        gone.Client.LingerState = new LingerOption(enable: true, seconds: 0);
        gone.Client.Close(); // a reset, as when a client's machine drops it
        using var batch = RentBatch();

        // The first write after a reset may still be taken by the kernel; one of the next ones fails.
        for (var i = 0; i < 100 && failed == 0; i++)
        {
            using (batch.Collect())
            {
                goneSender.Send(new byte[1024]);
                aliveSender.Send(new[] { (byte)i });
            }
            batch.Flush();
            Assert.Equal([(byte)i], await alive.ReadAsync(1));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, failed);
    }

    [Fact]
    public async Task AClosedSocketIsNotAddedAndItsSenderFailsAsBefore()
    {
        using var pair = await SocketPair.ConnectAsync();
        var failed = 0;
        var sender = new FrameSender(new SocketOutput(pair.Server), queueLimit: 100, onTooSlow: () => Assert.Fail("not slow"), onFailed: () => failed++);
        pair.Server.Dispose();
        using var batch = RentBatch();

        using (batch.Collect())
        {
            sender.Send("late"u8.ToArray());
        }

        Assert.False(batch.HasWrites);
        Assert.Equal(1, failed);
    }

    [Fact]
    public void WithBatchedSendsOffThereAreNoBatches()
    {
        using var off = new SendBatches(Options.Create(new RealtimeOptions { BatchedSends = false }), NullLogger<SendBatches>.Instance);

        Assert.Null(off.Rent());
    }

    private SendBatch RentBatch() =>
        _batches.Rent() ?? throw new InvalidOperationException("No io_uring on this machine: the batched sends go untested here.");

    private static FrameSender NewSender(Socket socket) =>
        new(new SocketOutput(socket), queueLimit: 100, onTooSlow: () => Assert.Fail("not slow"), onFailed: () => Assert.Fail("not failed"));

    public void Dispose() => _batches.Dispose();
}
