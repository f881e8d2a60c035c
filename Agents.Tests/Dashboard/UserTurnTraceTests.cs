using System.Net.WebSockets;
using Agents.Hosting.Otlp;
using Agents.Protocol;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.Dashboard;

/// <summary>One trace per user turn: hub call -> the store (database) -> agent run in the Api -> Redis stream -> Realtime delivery.</summary>
[Collection(DashboardCollection.Name)]
public sealed class UserTurnTraceTests
{
    private readonly DashboardFixture _fixture;
    private readonly ITestOutputHelper _output;

    public UserTurnTraceTests(DashboardFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        fixture.Output = output;
    }

    [Fact]
    public async Task AUserTurnThroughTheHubIsOneTraceAcrossRealtimeTheDatabaseAndTheApi()
    {
        await using var alice = await AgentsClient.SignInAsync(_fixture.FrontDoor, $"trace-{Guid.NewGuid():N}"[..20]);
        var thread = await alice.StartThreadAsync("Traced");
        var sent = await alice.SendAsync(thread, "hello");
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmResponse), "the agent's reply");
        var reply = alice.EventsOf(thread).First(e => e.Type == EventTypes.LlmResponse);
        var runId = reply.Payload.GetProperty("run_id").GetString();

        // The turn is complete once the reply's delivery span arrived; everything before it is in the store by then.
        var spans = await _fixture.WaitForTelemetryAsync(store => store.GetTraces(ResourceNames.Realtime)
            .Select(t => store.GetTrace(t.TraceId))
            .FirstOrDefault(trace => trace.Any(s => IsHubSend(s, thread)) && trace.Any(s => IsDelivery(s, reply.Seq, thread))
                && trace.Any(s => s.Name == "agent run") && trace.Any(s => s.Attributes.Any(a => a.Key == "gen_ai.operation.name"))), "trace of the turn");
        foreach (var span in spans)
        {
            _output.WriteLine($"{span.Start:HH:mm:ss.fff} {span.Resource,-9} {span.Kind,-8} {span.Name} ({span.DurationMs:F1} ms)");
        }

        var root = Assert.Single(spans, s => s.ParentSpanId is null || spans.All(p => p.SpanId != s.ParentSpanId));
        Assert.True(IsHubSend(root, thread), $"the trace starts at the hub call, not at '{root.Name}'");
        // Realtime stores the message itself: its database call is under the hub call, with no hop through the Api.
        var store = Assert.Single(spans, s => IsStore(s) && s.ParentSpanId == root.SpanId);
        Assert.Contains(store.Attributes, a => a.Key.StartsWith("db.", StringComparison.Ordinal));
        Assert.DoesNotContain(spans, s => s.Resource == ResourceNames.Api && s.Kind == "Server");
        Assert.Contains(root.Attributes, a => a.Key == "agents.run.id" && a.Value == runId);
        var run = Assert.Single(spans, s => s.Name == "agent run");
        Assert.Contains(run.Attributes, a => a.Key == "agents.run.id" && a.Value == runId);
        // The message goes to this instance's members once, right after the store's commit, under the hub call: usually
        // straight from the store, from the stream when the reader got there first (the Integration tests pin the store's
        // own delivery down, with no reader). The agent's reply, written by the Api, comes from the stream.
        // One race leaves no span: when the agent's first event reaches this instance on the stream before the store's
        // answer reaches Realtime (a loaded machine), the members are given the message from the log ahead of that
        // event (the gap filled, and logged), and the log's copy carries no trace.
        Assert.Single(alice.EventsOf(thread), e => e.Seq == sent.Seq);
        Assert.Equal(sent.Seq, alice.EventsOf(thread).First(e => e.Seq >= sent.Seq).Seq); // before anything after it
        if (spans.SingleOrDefault(s => IsDelivery(s, sent.Seq, thread)) is { } messageDelivery)
        {
            Assert.True(IsFrom(messageDelivery, "store") || IsFrom(messageDelivery, "stream"), "the delivery says where the event came from");
            Assert.Equal(root.SpanId, messageDelivery.ParentSpanId);
            Assert.True(messageDelivery.Start >= store.End, "the message is delivered after its commit");
        }
        else
        {
            await _fixture.WaitForTelemetryAsync(telemetry => telemetry.GetLogs(ResourceNames.Realtime, text: $"Thread {thread}: the stream jumped")
                .FirstOrDefault(), "the gap filled from the log, since the message has no delivery span");
        }
        // The reply's delivery hangs under the run: the waterfall reads from "user sent" to "agent finished".
        var delivery = spans.Single(s => IsDelivery(s, reply.Seq, thread));
        Assert.True(IsFrom(delivery, "stream"), "the Api's reply comes from the stream");
        Assert.True(IsUnder(delivery, run, spans), "the reply's delivery is a descendant of the agent run");

        // The model call, as Semantic Kernel reports it (GenAI semantic conventions), under the run.
        var model = Assert.Single(spans, s => s.Attributes.Any(a => a.Key == "gen_ai.operation.name"));
        Assert.Contains(model.Attributes, a => a.Key == "gen_ai.request.model" && a.Value == "stub-model");
        Assert.True(IsUnder(model, run, spans), "the model call is a descendant of the agent run");
    }

    [Fact]
    public async Task AUserTurnOverPlainWebSocketIsItsOwnTraceNotPartOfTheConnections()
    {
        await using var user = await AgentsClient.SignInAsync(_fixture.FrontDoor, $"wstrace-{Guid.NewGuid():N}"[..20]);
        var thread = await user.CreateThreadAsync("Traced over /ws");
        await using var ws = await WsClient.ConnectAsync(_fixture.FrontDoor, user.Token);
        await ws.SendAsync(WsClient.Frame(EventTypes.JoinThread, new { thread_id = thread, after_seq = 0 }, "j1"));
        await ws.WaitForTypeAsync(EventTypes.ThreadJoined, "j1");
        for (var i = 1; i <= 2; i++)
        {
            await ws.SendAsync(WsClient.Frame(EventTypes.UserMessage, new { thread_id = thread, client_message_id = $"m{i}", text = "hello" }, $"m{i}"));
            await ws.WaitForTypeAsync(EventTypes.MessageAccepted, $"m{i}");
        }

        var turns = await _fixture.WaitForTelemetryAsync(store =>
        {
            var found = store.GetTraces(ResourceNames.Realtime).Select(t => store.GetTrace(t.TraceId))
                .Where(spans => spans.Any(s => s.Name == "ws user_message" && s.Attributes.Any(a => a.Key == "agents.thread.id" && a.Value == thread.ToString()))
                    && spans.Any(IsStore))
                .ToList();
            return found.Count == 2 ? found : null;
        }, "two /ws turns");
        foreach (var spans in turns)
        {
            var root = Assert.Single(spans, s => s.ParentSpanId is null);
            Assert.Equal("ws user_message", root.Name);
            Assert.Contains(spans, s => IsStore(s) && s.ParentSpanId == root.SpanId);
        }
    }

    [Fact]
    public async Task AWebSocketsHandshakeIsAShortSpanUnderTheFrontDoorsAndSaysWhichPathTookIt()
    {
        await using var user = await AgentsClient.SignInAsync(_fixture.FrontDoor, $"wsconnect-{Guid.NewGuid():N}"[..20]);
        await using var ws = await WsClient.ConnectAsync(_fixture.FrontDoor, user.Token);
        var hello = await ws.WaitForTypeAsync(EventTypes.ConnectionEstablished);
        var connectionId = hello.GetProperty("payload").GetProperty("connection_id").GetString();

        var spans = await _fixture.WaitForTelemetryAsync(store => store.GetTraces(ResourceNames.Realtime).Select(t => store.GetTrace(t.TraceId))
            .FirstOrDefault(trace => trace.Any(s => s.Name == "ws connect" && s.Attributes.Any(a => a.Key == "agents.connection.id" && a.Value == connectionId))
                && trace.Any(s => s.Resource == ResourceNames.Web)),
            "the handshake's span with the front door's");

        var handshake = spans.Single(s => s.Name == "ws connect");
        Assert.Equal(ResourceNames.Realtime, handshake.Resource);
        // The front door's proxy sends each upgrade on a connection of its own, so it is taken before the HTTP server.
        Assert.Contains(handshake.Attributes, a => a.Key == "agents.ws.handshake" && a.Value == "direct");
        Assert.Contains(handshake.Attributes, a => a.Key == "http.response.status_code" && a.Value == "101");
        Assert.Contains(spans, s => s.Resource == ResourceNames.Web && s.SpanId == handshake.ParentSpanId);
        Assert.Equal(WebSocketState.Open, ws.State);
    }

    [Fact]
    public async Task AHubConnectionThroughTheFrontDoorIsTakenBeforeTheHttpServer()
    {
        await using var user = await AgentsClient.SignInAsync(_fixture.FrontDoor, $"hubconnect-{Guid.NewGuid():N}"[..20]);
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        await user.ConnectAsync();

        // The browser's way in: no negotiate, straight to a WebSocket, which the front door sends on a connection of its own.
        var spans = await _fixture.WaitForTelemetryAsync(store => store.GetTraces(ResourceNames.Realtime).Select(t => store.GetTrace(t.TraceId))
            .FirstOrDefault(trace => trace.Any(s => s.Name == "ws connect" && s.Start >= since
                    && s.Attributes.Any(a => a.Key == "url.path" && a.Value == "/hubs/agent"))
                && trace.Any(s => s.Resource == ResourceNames.Web)),
            "a hub handshake's span with the front door's");

        var handshake = spans.Single(s => s.Name == "ws connect");
        Assert.Contains(handshake.Attributes, a => a.Key == "agents.ws.handshake" && a.Value == "direct");
        Assert.Contains(handshake.Attributes, a => a.Key == "http.response.status_code" && a.Value == "101");
        Assert.Contains(spans, s => s.Resource == ResourceNames.Web && s.SpanId == handshake.ParentSpanId);
    }

    private static bool IsHubSend(TelemetrySpan span, Guid thread) =>
        span.Resource == ResourceNames.Realtime && span.Name.EndsWith("/SendMessage", StringComparison.Ordinal)
        && span.Attributes.Any(a => a.Key == "agents.thread.id" && a.Value == thread.ToString());

    /// <summary>Realtime's call of the message store (<c>post_messages</c>).</summary>
    private static bool IsStore(TelemetrySpan span) =>
        span.Resource == ResourceNames.Realtime && span.Scope == "Npgsql"
        && span.Attributes.Any(a => a.Key.StartsWith("db.", StringComparison.Ordinal) && a.Value.Contains("post_messages", StringComparison.Ordinal));

    private static bool IsDelivery(TelemetrySpan span, long seq, Guid thread) =>
        span.Resource == ResourceNames.Realtime && span.Name.StartsWith("deliver", StringComparison.Ordinal)
        && span.Attributes.Any(a => a.Key == "agents.event.seq" && a.Value == seq.ToString(System.Globalization.CultureInfo.InvariantCulture))
        && span.Attributes.Any(a => a.Key == "agents.thread.id" && a.Value == thread.ToString());

    private static bool IsFrom(TelemetrySpan span, string source) =>
        span.Attributes.Any(a => a.Key == "agents.delivery.source" && a.Value == source);

    private static bool IsUnder(TelemetrySpan span, TelemetrySpan ancestor, IReadOnlyList<TelemetrySpan> spans)
    {
        for (var current = span; current.ParentSpanId is { } parent;)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }
            if (spans.FirstOrDefault(s => s.SpanId == parent) is not { } next)
            {
                return false;
            }
            current = next;
        }
        return false;
    }
}
