using System.Text.Json;
using Agents.Protocol;

namespace Agents.Tests.EndToEnd;

/// <summary>The hub speaks SignalR's MessagePack protocol beside JSON: both clients see the same events.</summary>
[Collection(AppHostCollection.Name)]
public sealed class MessagePackTests(AppHostFixture fixture, ITestOutputHelper output) : FrontDoorTests(fixture, output)
{
    [Fact]
    public async Task MessagePackClientReceivesTheSameEventsAsAJsonClient()
    {
        await using var json = await SignInAsync("json");
        await using var binary = await SignInAsync("msgpack");
        var thread = await json.CreateThreadAsync("Both protocols");
        await json.InviteAsync(thread, binary.UserName);
        await json.ConnectAsync();
        await binary.ConnectAsync(messagePack: true);
        await json.JoinAsync(thread);
        await binary.JoinAsync(thread);

        // A message from each side (non-ASCII text included), the agent's reply, and a plan with nested steps and arguments.
        await binary.SendAsync(thread, "héllo ✓ \"quoted\" from MessagePack");
        await json.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmResponse), "the agent's reply");
        await json.SendAsync(thread, "check disk space");
        await json.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.WorkflowApprovalRequired), "the plan's approval request");
        var last = json.EventsOf(thread).Max(e => e.Seq);
        await binary.WaitForSeqAsync(thread, last);

        var expected = json.EventsOf(thread).Where(e => e.Seq <= last).ToList();
        var actual = binary.EventsOf(thread).Where(e => e.Seq <= last).ToList();
        Assert.Equal(expected.Select(e => (e.Seq, e.Type, e.CreatedAt)), actual.Select(e => (e.Seq, e.Type, e.CreatedAt)));
        foreach (var (sent, received) in expected.Zip(actual))
        {
            Assert.True(JsonElement.DeepEquals(sent.Payload, received.Payload),
                $"seq {sent.Seq} ({sent.Type}): JSON {sent.Payload.GetRawText()} but MessagePack {received.Payload.GetRawText()}");
        }
        Assert.Contains(actual, e => e.Type == EventTypes.UserMessage && e.Payload.GetProperty("text").GetString() == "héllo ✓ \"quoted\" from MessagePack");
        Assert.Contains(actual, e => e.Type == EventTypes.LlmResponse && e.Payload.GetProperty("processing_time").ValueKind == JsonValueKind.Number);
        Assert.Contains(actual, e => e.Type == EventTypes.PlanReady && e.Payload.GetProperty("steps").GetArrayLength() > 0);
        Assert.Empty(binary.Errors);
    }
}
