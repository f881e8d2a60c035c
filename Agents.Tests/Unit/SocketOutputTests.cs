using System.Net.Sockets;
using Agents.Realtime.WebSockets;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.Unit;

/// <summary>
/// How a directly taken /ws connection's bytes reach its socket (over a real loopback TCP connection): at once while
/// the socket's buffer has room, and all of them, in order, when a write has to wait for the peer to read; a peer that
/// is gone is an <see cref="IOException"/>, as a <see cref="NetworkStream"/> reports it.
/// </summary>
public sealed class SocketOutputTests
{
    [Fact]
    public async Task WhileTheBufferHasRoomAWriteIsDoneBeforeItReturns()
    {
        using var pair = await SocketPair.ConnectAsync();
        var output = new SocketOutput(pair.Server);

        var write = output.WriteAsync("hello"u8.ToArray(), TestContext.Current.CancellationToken);

        Assert.True(write.IsCompletedSuccessfully);
        Assert.Equal("hello"u8.ToArray(), await pair.ReadAsync(5));
    }

    [Fact]
    public async Task AWriteLargerThanTheRoomLeftWaitsForThePeerAndSendsEveryByteInOrder()
    {
        using var pair = await SocketPair.ConnectAsync();
        var output = new SocketOutput(pair.Server);
        // More than the kernel's send and receive buffers can hold together at their largest (Debian's defaults: 4 and
        // 32 MiB), and the peer reads nothing yet.
        var bytes = new byte[48 * 1024 * 1024];
        new Random(7).NextBytes(bytes);

        var write = output.WriteAsync(bytes, TestContext.Current.CancellationToken);

        Assert.False(write.IsCompleted); // the peer has not read: far more than the buffers hold is left
        var received = await pair.ReadAsync(bytes.Length);
        Assert.True(received.AsSpan().SequenceEqual(bytes), "the bytes arrived changed, repeated or out of order");
        await write.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WritingToAPeerThatIsGoneIsAnIOException()
    {
        using var pair = await SocketPair.ConnectAsync();
        var output = new SocketOutput(pair.Server);
        pair.Client.LingerState = new LingerOption(enable: true, seconds: 0);
        pair.Client.Close(); // a reset, as when a client's machine drops it

        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            // The first write after a reset may still be taken by the kernel; one of the next ones fails.
            for (var i = 0; i < 100; i++)
            {
                await output.WriteAsync(new byte[1024], TestContext.Current.CancellationToken);
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        });
        Assert.IsType<SocketException>(error.InnerException);
    }
}
