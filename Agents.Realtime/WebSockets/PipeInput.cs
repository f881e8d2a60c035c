using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Agents.Realtime.WebSockets;

/// <summary>
/// A taken connection's input pipe as the stream its WebSocket reads, as <c>PipeReader.AsStream()</c> gives it, but with
/// the read's state machine pooled: an idle client's read waits for seconds (until its next pong), so a state machine
/// allocated per read outlived collections and was copied into the older generations, 1,000 clients' worth every 15 s
/// (bench/realtime/README.md, "Collections that walk fewer handles").
/// </summary>
internal sealed class PipeInput(PipeReader reader) : ConnectionStream
{
    public override bool CanRead => true;

    public override bool CanWrite => false;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ReadFromPipeAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadFromPipeAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadFromPipeAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    /// <summary>
    /// What the pipe holds, up to <paramref name="destination"/>'s length; 0 once the pipe is complete. A read into an
    /// empty buffer (a WebSocket waiting for data without holding a buffer) returns 0 once data is there, taking none.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadFromPipeAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException("The read from the connection was canceled.");
            }
            var data = result.Buffer;
            var consumed = data.Start;
            try
            {
                if (!data.IsEmpty)
                {
                    var taken = data.Slice(0, Math.Min(data.Length, destination.Length));
                    taken.CopyTo(destination.Span);
                    consumed = taken.End;
                    return (int)taken.Length;
                }
                if (result.IsCompleted)
                {
                    return 0;
                }
            }
            finally
            {
                reader.AdvanceTo(consumed);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            reader.Complete();
        }
        base.Dispose(disposing);
    }
}
