using System.Text;
using System.Text.Json;
using Agents.Messaging;
using Agents.Protocol;
using StackExchange.Redis;

namespace Agents.Tests.Unit;

/// <summary>
/// The event stream's entries as Realtime's reader gets them back (each value the UTF-8 bytes XREAD gives): the event
/// read whole, or only its thread and seq, which is all the reader needs to skip what it has delivered already.
/// </summary>
public sealed class EventStreamTests
{
    private static readonly Guid Thread = Guid.Parse("0196f3a2-7c11-7d35-9a57-2f4c0f8e1b20");

    private static Dictionary<string, RedisValue> AsRead(IEnumerable<NameValueEntry> entry) =>
        entry.ToDictionary(field => (string)field.Name!, field => (RedisValue)Encoding.UTF8.GetBytes((string)field.Value!));

    [Fact]
    public void AnEntryReadsBackAsTheEventItWasMadeOf()
    {
        using var payload = JsonDocument.Parse("""{"text":"héllo \"world\"","n":3}""");
        var created = DateTimeOffset.FromUnixTimeMilliseconds(1_765_000_000_123);
        var written = new ThreadEvent(Thread, 42, "user_message", payload.RootElement.Clone(), created);
        var fields = AsRead(EventStream.Entry(written, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

        var read = EventStream.Read(fields, out var problem);

        Assert.Null(problem);
        Assert.NotNull(read);
        Assert.Equal((Thread, 42L, "user_message", created), (read.ThreadId, read.Seq, read.Type, read.CreatedAt));
        Assert.Equal(payload.RootElement.GetRawText(), read.Payload.GetRawText());
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", EventStream.TraceParentOf(fields));
    }

    [Fact]
    public void ThePositionIsReadWithoutThePayload()
    {
        var fields = AsRead([new("thread", Thread.ToString()), new("seq", 7), new("type", "bot_status"), new("payload", "{\"status\": err")]);

        Assert.True(EventStream.TryReadPosition(fields, out var threadId, out var seq));
        Assert.Equal((Thread, 7L), (threadId, seq));
        // The payload is only looked at when the whole event is read.
        Assert.Null(EventStream.Read(fields, out var problem));
        Assert.StartsWith("its payload is not JSON", problem);
    }

    [Theory]
    [InlineData("not-a-guid", "7")]
    [InlineData("0196f3a2-7c11-7d35-9a57-2f4c0f8e1b20x", "7")]
    [InlineData("0196f3a2-7c11-7d35-9a57-2f4c0f8e1b20", "seven")]
    [InlineData("0196f3a2-7c11-7d35-9a57-2f4c0f8e1b20", null)]
    public void AnEntryWithoutAThreadAndSeqIsNotAnEvent(string thread, string? seq)
    {
        List<NameValueEntry> entry = [new("thread", thread), new("type", "bot_status"), new("payload", "{}")];
        if (seq is not null)
        {
            entry.Add(new("seq", seq));
        }
        var fields = AsRead(entry);

        Assert.False(EventStream.TryReadPosition(fields, out _, out _));
        Assert.Null(EventStream.Read(fields, out var problem));
        Assert.Equal("it needs a thread id, a seq, a type and a payload", problem);
        Assert.Null(EventStream.TraceParentOf(fields));
    }
}
