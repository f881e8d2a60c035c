using System.Buffers;
using System.Text.Json;
using Agents.Protocol;
using Agents.Protocol.MessagePack;
using Agents.Realtime.Hub;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace Agents.Tests.Unit;

/// <summary>A batch of events written as one SignalR frame must read back as the same events, one message each, in order.</summary>
public sealed class BatchedHubMessagesTests
{
    public static TheoryData<string> Protocols => ["json", "messagepack"];

    [Theory]
    [MemberData(nameof(Protocols))]
    public void ABatchReadsBackAsOneInvocationPerEventInOrder(string protocolName)
    {
        IHubProtocol protocol = protocolName == "json"
            ? new JsonHubProtocol()
            : new MessagePackHubProtocol(Options.Create(new MessagePackHubProtocolOptions { SerializerOptions = ProtocolMessagePack.Options }));
        var thread = Guid.NewGuid();
        ThreadEvent[] events = [.. Enumerable.Range(1, 3).Select(seq => new ThreadEvent(thread, seq, EventTypes.UserMessage,
            JsonSerializer.SerializeToElement(new { text = $"message {seq}" }), DateTimeOffset.UnixEpoch.AddSeconds(seq)))];
        var shared = new SharedHubMessages();

        var bytes = shared.ThreadEvents(events, protocol).GetSerializedMessage(protocol);
        // The same batch asked for again (the next connection of the thread) is the same bytes, not serialised anew.
        Assert.True(bytes.Span.SequenceEqual(shared.ThreadEvents(events, protocol).GetSerializedMessage(protocol).Span));

        var input = new ReadOnlySequence<byte>(bytes);
        var read = new List<InvocationMessage>();
        while (protocol.TryParseMessage(ref input, new Binder(), out var message))
        {
            read.Add(Assert.IsType<InvocationMessage>(message));
        }
        Assert.True(input.IsEmpty);
        Assert.Equal([nameof(IAgentClient.ThreadEvent), nameof(IAgentClient.ThreadEvent), nameof(IAgentClient.ThreadEvent)], read.Select(m => m.Target));
        Assert.Equal([1L, 2L, 3L], read.Select(m => Assert.IsType<ThreadEvent>(Assert.Single(m.Arguments)).Seq));
        Assert.Equal("message 2", Assert.IsType<ThreadEvent>(read[1].Arguments[0]).Payload.GetProperty("text").GetString());
    }

    private sealed class Binder : IInvocationBinder
    {
        public IReadOnlyList<Type> GetParameterTypes(string methodName) => [typeof(ThreadEvent)];

        public Type GetReturnType(string invocationId) => typeof(object);

        public Type GetStreamItemType(string streamId) => typeof(object);
    }
}
