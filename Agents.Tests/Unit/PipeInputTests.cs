using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Agents.Realtime.WebSockets;

namespace Agents.Tests.Unit;

/// <summary>
/// A taken connection's input pipe read as the stream its WebSocket reads (<see cref="PipeInput"/>), against a real
/// <see cref="Pipe"/>: what <c>PipeReader.AsStream()</c> does, including the WebSocket's wait for data with an empty
/// buffer.
/// </summary>
public sealed class PipeInputTests
{
    [Fact(Timeout = 10_000)]
    public async Task BytesReadBackInTheBuffersGivenThenZeroOnceThePipeIsComplete()
    {
        var pipe = new Pipe();
        await using var input = new PipeInput(pipe.Reader);
        await pipe.Writer.WriteAsync("hello "u8.ToArray(), TestContext.Current.CancellationToken);
        await pipe.Writer.WriteAsync("world"u8.ToArray(), TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();

        var read = new List<byte>();
        var buffer = new byte[4];
        int count;
        while ((count = await input.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            Assert.InRange(count, 1, 4);
            read.AddRange(buffer[..count]);
        }

        Assert.Equal("hello world", Encoding.ASCII.GetString([.. read]));
        Assert.Equal(0, await input.ReadAsync(buffer, TestContext.Current.CancellationToken)); // and stays so
    }

    [Fact(Timeout = 10_000)]
    public async Task AReadWithAnEmptyBufferWaitsForDataAndTakesNone()
    {
        var pipe = new Pipe();
        await using var input = new PipeInput(pipe.Reader);

        var waiting = input.ReadAsync(Memory<byte>.Empty, TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        await pipe.Writer.WriteAsync("abc"u8.ToArray(), TestContext.Current.CancellationToken);

        Assert.Equal(0, await waiting);
        var buffer = new byte[8];
        Assert.Equal(3, await input.ReadAsync(buffer, TestContext.Current.CancellationToken));
        Assert.Equal("abc", Encoding.ASCII.GetString(buffer, 0, 3));
    }

    [Fact(Timeout = 10_000)]
    public async Task ACanceledReadThrowsWhetherByItsTokenOrByThePipe()
    {
        var pipe = new Pipe();
        await using var input = new PipeInput(pipe.Reader);
        using var cancel = new CancellationTokenSource();

        var byToken = input.ReadAsync(new byte[8], cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await byToken);

        var byPipe = input.ReadAsync(new byte[8], TestContext.Current.CancellationToken);
        pipe.Reader.CancelPendingRead();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await byPipe);
    }

    [Fact(Timeout = 10_000)]
    public async Task AServerWebSocketOverItReceivesWhatAClientSent()
    {
        // The client's frames (masked, as a client sends them), written to the pipe in two parts as they might arrive.
        var wire = new MemoryStream();
        using (var client = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions { IsServer = false }))
        {
            await client.SendAsync("first"u8.ToArray(), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
            await client.SendAsync(Encoding.UTF8.GetBytes(new string('x', 3000)), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        }
        var bytes = wire.ToArray();
        var pipe = new Pipe();
        using var server = WebSocket.CreateFromStream(new WebSocketWire(new PipeInput(pipe.Reader), Stream.Null), new WebSocketCreationOptions { IsServer = true });

        var received = new List<string>();
        var feeding = Task.Run(async () =>
        {
            await pipe.Writer.WriteAsync(bytes.AsMemory(0, 9), TestContext.Current.CancellationToken);
            await Task.Delay(20, TestContext.Current.CancellationToken);
            await pipe.Writer.WriteAsync(bytes.AsMemory(9), TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);
        var buffer = new byte[4096];
        while (received.Count < 2)
        {
            // As the /ws session does: wait holding no buffer, then read the message.
            await server.ReceiveAsync(Memory<byte>.Empty, TestContext.Current.CancellationToken);
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await server.ReceiveAsync(buffer.AsMemory(length), TestContext.Current.CancellationToken);
                length += result.Count;
            }
            while (!result.EndOfMessage);
            received.Add(Encoding.UTF8.GetString(buffer, 0, length));
        }
        await feeding;

        Assert.Equal(["first", new string('x', 3000)], received);
    }
}
