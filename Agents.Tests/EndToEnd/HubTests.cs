using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using Agents.Protocol;
using Agents.Realtime.Hub;
using Agents.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace Agents.Tests.EndToEnd;

/// <summary>Threads and the hub through the front door, with real SignalR clients against the whole app.</summary>
[Collection(AppHostCollection.Name)]
public sealed class HubTests(AppHostFixture fixture, ITestOutputHelper output) : FrontDoorTests(fixture, output)
{
    [Fact]
    public async Task TwoMembersSeeEachOthersMessagesTypingAndPresence()
    {
        await using var alice = await SignInAsync("alice");
        await using var bob = await SignInAsync("bob");
        var thread = await alice.CreateThreadAsync("Plans");
        await alice.InviteAsync(thread, bob.UserName);
        await alice.ConnectAsync();
        await bob.ConnectAsync();
        await alice.JoinAsync(thread);
        var joined = await bob.JoinAsync(thread);
        Assert.Contains(alice.UserName, joined.Online);
        await alice.WaitUntilAsync(c => c.PresenceEvents.Any(p => p.ThreadId == thread && p.Users.Contains(bob.UserName)), "bob online");

        await bob.Hub.InvokeAsync("Typing", thread, true, TestContext.Current.CancellationToken).WithTimeout();
        await alice.WaitUntilAsync(c => c.TypingEvents.Any(t => t.UserName == bob.UserName && t.IsTyping), "bob typing");
        await bob.Hub.InvokeAsync("Typing", thread, false, TestContext.Current.CancellationToken).WithTimeout();
        await alice.WaitUntilAsync(c => c.TypingEvents.Any(t => t.UserName == bob.UserName && !t.IsTyping), "bob stopped typing");

        var sent = await bob.SendAsync(thread, "hello alice");
        await alice.WaitForSeqAsync(thread, sent.Seq);
        var message = alice.EventsOf(thread).Single(e => e.Seq == sent.Seq);
        Assert.Equal(EventTypes.UserMessage, message.Type);
        Assert.Equal("hello alice", message.Payload.GetProperty("text").GetString());
        Assert.Equal(bob.UserName, message.Payload.GetProperty("author").GetString());

        // The built-in agent answers, with its status going thinking -> idle around the reply.
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmResponse), "the agent's reply");
        await alice.WaitUntilAsync(c => c.EventsOf(thread).LastOrDefault(e => e.Type == EventTypes.BotStatus)?.Payload.GetProperty("status").GetString() == BotStatuses.Idle, "bot idle");
        var statuses = alice.EventsOf(thread).Where(e => e.Type == EventTypes.BotStatus).Select(e => e.Payload.GetProperty("status").GetString()!).ToArray();
        Assert.Equal([BotStatuses.Thinking, BotStatuses.Idle], statuses);

        await bob.Hub.StopAsync(TestContext.Current.CancellationToken).WithTimeout();
        await alice.WaitUntilAsync(c => c.PresenceEvents.LastOrDefault(p => p.ThreadId == thread)?.Users.Contains(bob.UserName) == false, "bob offline");
    }

    [Fact]
    public async Task AnotherConnectionOfSomeoneAlreadyOnlineTellsTheOthersNothing()
    {
        await using var alice = await SignInAsync("alice");
        await using var bob = await SignInAsync("bob");
        await using var bobsPhone = await AgentsClient.SignInAsync(FrontDoor, bob.UserName);
        var thread = await alice.CreateThreadAsync("Presence");
        await alice.InviteAsync(thread, bob.UserName);
        await alice.ConnectAsync();
        await bob.ConnectAsync();
        await bobsPhone.ConnectAsync();
        await alice.JoinAsync(thread);
        await bob.JoinAsync(thread);
        await alice.WaitUntilAsync(c => c.PresenceEvents.Any(p => p.ThreadId == thread && p.Users.Contains(bob.UserName)), "bob online");
        var seen = alice.PresenceEvents.Count;

        // Bob's second connection joins and leaves: who is online does not change, so alice is told nothing.
        var joined = await bobsPhone.JoinAsync(thread);
        Assert.Equal([alice.UserName, bob.UserName], joined.Online.Order(StringComparer.Ordinal));
        await bobsPhone.Hub.StopAsync(TestContext.Current.CancellationToken).WithTimeout();
        await Task.Delay(1_000, TestContext.Current.CancellationToken);
        Assert.Equal(seen, alice.PresenceEvents.Count);

        // His last connection leaving does change it.
        await bob.Hub.StopAsync(TestContext.Current.CancellationToken).WithTimeout();
        await alice.WaitUntilAsync(c => c.PresenceEvents.LastOrDefault(p => p.ThreadId == thread)?.Users.Contains(bob.UserName) == false, "bob offline");
    }

    [Fact]
    public async Task APresenceListThatArrivesAfterANewerOneIsNotShown()
    {
        var (members, thread) = await TwoMembersOnlineAsync("Presence order");
        await using var _ = members;
        var (alice, bob) = (members.Clients[0], members.Clients[1]);

        // Two instances' announcements crossing on the way: the newer list arrives first, the older one after it.
        string[] newer = [alice.UserName, bob.UserName, "carol"];
        await PublishPresenceAsync(thread, [(newer, long.MaxValue - 1), ([alice.UserName], long.MaxValue - 2)]);
        await AfterTheNoticesPublishedAsync(members, thread);

        var lists = alice.PresenceEvents.Where(p => p.ThreadId == thread).Select(p => p.Users.Order(StringComparer.Ordinal).ToArray()).ToArray();
        Assert.Equal(newer.Order(StringComparer.Ordinal), lists[^1]);
        Assert.Empty(lists.SkipWhile(users => !users.Contains("carol")).Skip(1)); // the older list never showed
    }

    [Fact]
    public async Task ABurstOfPresenceListsReachesMembersAsFewerListsEndingOnTheNewest()
    {
        var (members, thread) = await TwoMembersOnlineAsync("Presence burst");
        await using var _ = members;
        var (alice, bob) = (members.Clients[0], members.Clients[1]);
        var before = alice.PresenceEvents.Count(p => p.ThreadId == thread);

        // A crowd joining at once: 300 announcements, each newer than the one before, published back to back.
        const int published = 300;
        await PublishPresenceAsync(thread, Enumerable.Range(1, published).Select(i => (
            (string[])[alice.UserName, bob.UserName, .. Enumerable.Range(0, i).Select(n => $"joiner-{n:D3}")],
            long.MaxValue - published - 1 + i)));
        await AfterTheNoticesPublishedAsync(members, thread);

        var lists = alice.PresenceEvents.Where(p => p.ThreadId == thread).Skip(before).ToArray();
        Assert.Equal(published + 2, lists[^1].Users.Count); // the newest list, with every joiner
        Assert.InRange(lists.Length, 1, published - 1); // lists that were out of date when their turn came were passed over
        Assert.True(lists.Select(l => l.Users.Count).SequenceEqual(lists.Select(l => l.Users.Count).Order()), "the lists kept their order");
    }

    /// <summary>Two members joined to a new thread, the first told that the second is online.</summary>
    private async Task<(ClientGroup Members, Guid Thread)> TwoMembersOnlineAsync(string title)
    {
        var members = await ClientGroup.SignInAsync(FrontDoor, 2, "member");
        var (alice, bob) = (members.Clients[0], members.Clients[1]);
        var thread = await alice.CreateThreadAsync(title);
        await members.JoinAsync(alice, thread);
        await alice.WaitUntilAsync(c => c.PresenceEvents.Any(p => p.ThreadId == thread && p.Users.Contains(bob.UserName)), "bob online");
        return (members, thread);
    }

    /// <summary>Presence announcements as instances publish them, in this order, back to back on one connection.</summary>
    private async Task PublishPresenceAsync(Guid thread, IEnumerable<(string[] Users, long Version)> lists)
    {
        await using var redis = await ConnectToRedisAsync();
        var channel = StackExchange.Redis.RedisChannel.Literal(Agents.Realtime.Presence.LiveNotices.ChannelName);
        var subscriber = redis.GetSubscriber();
        await Task.WhenAll(lists.Select(list => subscriber.PublishAsync(channel, System.Text.Json.JsonSerializer.Serialize(
            new Agents.Realtime.Presence.LiveNotice(thread, null, new PresenceEvent(thread, list.Users), list.Version), ProtocolJson.Options))));
    }

    /// <summary>
    /// Notices reach a connection in the order they were received: once the first member sees the second's typing
    /// (published after them), every notice published before was handled.
    /// </summary>
    private static async Task AfterTheNoticesPublishedAsync(ClientGroup members, Guid thread)
    {
        var (alice, bob) = (members.Clients[0], members.Clients[1]);
        await bob.Hub.InvokeAsync("Typing", thread, true, TestContext.Current.CancellationToken).WithTimeout();
        await alice.WaitUntilAsync(c => c.TypingEvents.Any(t => t.UserName == bob.UserName && t.IsTyping), "bob typing");
    }

    [Fact]
    public async Task PresenceListsAreVersionedInRedisOnlyWhenTheyChangeAndVersionsOnlyRise()
    {
        await using var redis = await ConnectToRedisAsync();
        // Two instances' trackers on one Redis, as two Realtime replicas.
        var options = Microsoft.Extensions.Options.Options.Create(new Agents.Realtime.Limits.RealtimeOptions());
        var first = new Agents.Realtime.Presence.PresenceTracker(redis, options, TimeProvider.System);
        var second = new Agents.Realtime.Presence.PresenceTracker(redis, options, TimeProvider.System);
        var thread = Guid.NewGuid();

        var ann = await first.JoinAsync(thread, "ann", "c1");
        var annAgain = await second.JoinAsync(thread, "ann", "c2");
        var ben = await second.JoinAsync(thread, "ben", "c3");
        var annLeavesOne = await first.LeaveAsync(thread, "ann", "c1");
        var annLeaves = await second.LeaveAsync(thread, "ann", "c2");

        Assert.Equal(["ann"], ann.Users);
        Assert.NotNull(ann.AnnounceVersion);
        Assert.Equal(["ann"], annAgain.Users);
        Assert.Null(annAgain.AnnounceVersion); // unchanged: nothing to announce
        Assert.Equal(["ann", "ben"], ben.Users);
        Assert.True(ben.AnnounceVersion > ann.AnnounceVersion);
        Assert.Null(annLeavesOne.AnnounceVersion); // ann is still online on her other connection
        Assert.Equal(["ben"], annLeaves.Users);
        Assert.True(annLeaves.AnnounceVersion > ben.AnnounceVersion);

        // What was announced expires with the thread's presence; a later version still rises above the earlier ones.
        await redis.GetDatabase().KeyDeleteAsync($"agents:presence-announced:{thread}");
        var afterExpiry = await first.OnlineAsync(thread);
        Assert.True(afterExpiry.AnnounceVersion > annLeaves.AnnounceVersion);
    }

    [Fact]
    public async Task EveryHubMethodRefusesANonMember()
    {
        await using var owner = await AgentsClient.SignInAsync(FrontDoor, NewUser("owner"));
        await using var stranger = await AgentsClient.SignInAsync(FrontDoor, NewUser("stranger"));
        var thread = await owner.CreateThreadAsync("Private");
        await stranger.ConnectAsync();

        // Every public method of the hub, so a new one cannot skip the check.
        var methods = typeof(AgentHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.Name is not (nameof(AgentHub.OnConnectedAsync) or nameof(AgentHub.OnDisconnectedAsync)))
            .ToArray();
        Assert.NotEmpty(methods);
        foreach (var method in methods)
        {
            var args = method.GetParameters().Select(object? (p) => p.ParameterType switch
            {
                var t when t == typeof(Guid) => (object)thread,
                var t when t == typeof(long) => 0L,
                var t when t == typeof(bool) => true,
                var t when t == typeof(string) => "x",
                var t when t == typeof(Dictionary<string, string>) => null,
                var t => throw new InvalidOperationException($"Add a value for {t} to this test."),
            }).ToArray();
            var error = await Assert.ThrowsAsync<HubException>(() =>
                stranger.Hub.InvokeCoreAsync(method.Name, typeof(object), args, TestContext.Current.CancellationToken).WithTimeout());
            Assert.StartsWith($"{ErrorCodes.NotMember}:", error.Message.Split("HubException: ").Last(), StringComparison.Ordinal);
        }
        Assert.Empty(stranger.EventsOf(thread));
    }

    [Fact]
    public async Task EveryThreadEndpointRefusesANonMember()
    {
        await using var owner = await AgentsClient.SignInAsync(FrontDoor, NewUser("owner"));
        await using var stranger = await AgentsClient.SignInAsync(FrontDoor, NewUser("stranger"));
        var thread = await owner.CreateThreadAsync("Private");
        var ct = TestContext.Current.CancellationToken;

        HttpResponseMessage[] answers =
        [
            await stranger.Http.GetAsync(new Uri($"/api/threads/{thread}", UriKind.Relative), ct),
            await stranger.Http.PatchAsJsonAsync($"/api/threads/{thread}", new { title = "mine" }, ct),
            await stranger.Http.PostAsJsonAsync($"/api/threads/{thread}/members", new { userName = stranger.UserName }, ct),
            await stranger.Http.PostAsJsonAsync($"/api/threads/{thread}/messages", new { clientMessageId = "m1", text = "hi" }, ct),
            await stranger.Http.PostAsJsonAsync($"/api/threads/{thread}/messages/batch", new { messages = new[] { new { clientMessageId = "m1", text = "hi" } } }, ct),
            await stranger.Http.GetAsync(new Uri($"/api/threads/{thread}/events?afterSeq=0", UriKind.Relative), ct),
        ];
        foreach (var answer in answers)
        {
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        }
        Assert.DoesNotContain(await stranger.Http.GetFromJsonAsync<List<ThreadIdBody>>("/api/threads", ct) ?? [], t => t.Id == thread);
    }

    [Fact]
    public async Task WithoutATokenTheHubAndTheApiRefuse()
    {
        using var anonymous = new HttpClient { BaseAddress = FrontDoor };
        using var threads = await anonymous.GetAsync(new Uri("/api/threads", UriKind.Relative), TestContext.Current.CancellationToken).WithTimeout();
        Assert.Equal(HttpStatusCode.Unauthorized, threads.StatusCode);

        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(FrontDoor, "/hubs/agent")).Build();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync(TestContext.Current.CancellationToken).WithTimeout());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task ARejoinWithTheLastSeqGetsExactlyTheMissedEventsInOrder()
    {
        await using var alice = await SignInAsync("alice");
        var thread = await alice.CreateThreadAsync("Reconnect");
        await using var group = await ClientGroup.SignInAsync(FrontDoor, 5, "other");
        var others = group.Clients;
        await group.JoinAsync(alice, thread);
        await alice.ConnectAsync();
        await alice.JoinAsync(thread);
        var first = await others[0].SendAsync(thread, "before");
        await alice.WaitForSeqAsync(thread, first.Seq);

        await alice.Hub.StopAsync(TestContext.Current.CancellationToken).WithTimeout();
        // Taken once the connection is closed, as a client does: the agent's answer to "before" may still have been
        // arriving, and an event received after the cursor was read would come again in the replay.
        var lastSeen = alice.EventsOf(thread).Max(e => e.Seq);
        // Five others send ten messages each while alice is away (each within the per-user rate limit).
        await Task.WhenAll(others.Select(async other =>
        {
            for (var i = 0; i < 10; i++)
            {
                await other.SendAsync(thread, $"while away {i}");
            }
        }));
        await others[0].WaitUntilAsync(c => c.EventsOf(thread).Count(e => e.Type == EventTypes.LlmResponse) == 51, "all 51 replies", TimeSpan.FromSeconds(60));
        var final = others[0].EventsOf(thread).Max(e => e.Seq);
        var before = alice.EventsOf(thread).Count;

        await alice.ConnectAsync();
        var rejoined = await alice.JoinAsync(thread, lastSeen);
        // The hub sends the replay before it answers, but the client may run the answer's continuation first.
        await alice.WaitForSeqAsync(thread, final);

        var missed = alice.EventsOf(thread).Skip(before).Select(e => e.Seq).Where(s => s <= final).ToArray();
        Assert.Equal(Enumerable.Range((int)lastSeen + 1, (int)(final - lastSeen)).Select(s => (long)s), missed);
        Assert.Equal(50, alice.EventsOf(thread).Skip(before).Count(e => e.Type == EventTypes.UserMessage));
        Assert.True(rejoined.LastSeq >= final);
        var all = alice.EventsOf(thread).Select(e => e.Seq).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
    }

    [Fact]
    public async Task SendingTooFastTooMuchOrBeforeJoiningGetsTypedErrors()
    {
        await using var alice = await SignInAsync("alice");
        var thread = await alice.CreateThreadAsync("Limits");
        await alice.ConnectAsync();

        var notJoined = await Assert.ThrowsAsync<HubException>(() => alice.Hub.InvokeAsync("Typing", thread, true, TestContext.Current.CancellationToken).WithTimeout());
        Assert.Contains($"{ErrorCodes.NotMember}:", notJoined.Message, StringComparison.Ordinal);
        await alice.JoinAsync(thread);

        var tooLarge = await Assert.ThrowsAsync<HubException>(() => alice.SendAsync(thread, new string('x', 8_001)));
        Assert.Contains($"{ErrorCodes.MessageTooLarge}:", tooLarge.Message, StringComparison.Ordinal);

        var empty = await Assert.ThrowsAsync<HubException>(() => alice.SendAsync(thread, "   "));
        Assert.Contains($"{ErrorCodes.Validation}:", empty.Message, StringComparison.Ordinal);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            try
            {
                await alice.SendAsync(thread, $"burst {i}");
                return "ok";
            }
            catch (HubException e)
            {
                return e.Message;
            }
        }));
        Assert.Contains(attempts, a => a.Contains($"{ErrorCodes.RateLimited}:", StringComparison.Ordinal));
        Assert.Contains("ok", attempts);
        // Every failure also arrived as a typed Error event, and the connection is still usable.
        await alice.WaitUntilAsync(c => c.Errors.Any(e => e.Code == ErrorCodes.RateLimited && e.Operation == "SendMessage"), "a rate_limited error event");
        Assert.Contains(alice.Errors, e => e.Code == ErrorCodes.MessageTooLarge);
        Assert.Equal(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, alice.Hub.State);
    }

    [Fact]
    public async Task TypingReachesEveryMemberOfAThreadLargerThanOneBatchOfSends()
    {
        // More members than one batch of sends holds, so the notice's fan-out flushes a batch part-way through.
        await using var members = await ClientGroup.SignInAsync(FrontDoor, Agents.Realtime.WebSockets.SendBatch.WritesPerFlush + 4, "crowd");
        var typist = members.Clients[0];
        var thread = await typist.CreateThreadAsync("Crowd typing");
        await members.JoinAsync(typist, thread);

        await typist.Hub.InvokeAsync("Typing", thread, true, TestContext.Current.CancellationToken).WithTimeout();

        foreach (var member in members.Clients.Skip(1))
        {
            await member.WaitUntilAsync(c => c.TypingEvents.Any(t => t.ThreadId == thread && t.UserName == typist.UserName && t.IsTyping), $"{member.UserName} sees the typing");
        }
        Assert.All(members.Clients.Skip(1), member => Assert.Single(member.TypingEvents, t => t.UserName == typist.UserName && t.IsTyping));
    }

    [Fact]
    public async Task SomeoneWhoStopsRefreshingTypingStopsTypingForOthersWithinTheTimeout()
    {
        await using var members = await ClientGroup.SignInAsync(FrontDoor, 2, "typist");
        var (alice, bob) = (members.Clients[0], members.Clients[1]);
        var thread = await alice.CreateThreadAsync("Typing");
        await members.JoinAsync(alice, thread);

        await bob.Hub.InvokeAsync("Typing", thread, true, TestContext.Current.CancellationToken).WithTimeout();
        await alice.WaitUntilAsync(c => c.TypingEvents.Any(t => t.UserName == bob.UserName && t.IsTyping), "bob typing");
        var started = DateTime.UtcNow;

        // Bob's client says nothing more: the server's 5 s expiry ends it.
        await alice.WaitUntilAsync(c => c.TypingEvents.Any(t => t.UserName == bob.UserName && !t.IsTyping), "bob stopped typing", TimeSpan.FromSeconds(10));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task ConcurrentRetriesOfOneMessageMakeOneRowAndOneSeq()
    {
        await using var alice = await SignInAsync("alice");
        var thread = await alice.CreateThreadAsync("Retries");
        await alice.ConnectAsync();
        await alice.JoinAsync(thread);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => alice.SendAsync(thread, "once", clientMessageId: "retry-1")));

        Assert.Single(results.Select(r => r.Seq).Distinct());
        Assert.Single(results, r => !r.Duplicate);
        await using var connection = new NpgsqlConnection(await Fixture.App.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM messages WHERE thread_id = $1 AND client_message_id = 'retry-1'", connection) { Parameters = { new() { Value = thread } } };
        Assert.Equal(1L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task MessagesSentWithoutWaitingForAnswersAreStoredInTheOrderTheyWereSent()
    {
        await using var alice = await SignInAsync("alice");
        var thread = await alice.CreateThreadAsync("Burst");
        await alice.ConnectAsync();
        await alice.JoinAsync(thread);

        // Started one after another, none awaited: the hub runs them concurrently and queues them for the Api in order.
        var calls = Enumerable.Range(0, 15).Select(i => alice.SendAsync(thread, $"in order {i}", clientMessageId: i == 9 ? "m3" : $"m{i}")).ToArray();
        var results = await Task.WhenAll(calls).WithTimeout();

        var firstTimes = results.Where(r => !r.Duplicate).ToArray();
        Assert.Equal(14, firstTimes.Length);
        Assert.Equal(firstTimes.Select(r => r.Seq).Order(), firstTimes.Select(r => r.Seq));
        Assert.Equal(results[3].Seq, results[9].Seq); // the retry of m3, queued with it, answers m3's seq
        await alice.WaitForSeqAsync(thread, firstTimes[^1].Seq);
        var texts = alice.EventsOf(thread).Where(e => e.Type == EventTypes.UserMessage).Select(e => e.Payload.GetProperty("text").GetString());
        Assert.Equal(Enumerable.Range(0, 15).Where(i => i != 9).Select(i => $"in order {i}"), texts);
    }

    [Fact]
    public async Task TheBatchEndpointStoresInOrderAndRefusesBadBatchesWholly()
    {
        await using var alice = await SignInAsync("alice");
        var thread = await alice.CreateThreadAsync("Batches");
        var ct = TestContext.Current.CancellationToken;
        var path = $"/api/threads/{thread}/messages/batch";

        using var stored = await alice.Http.PostAsJsonAsync(path, new { messages = new[] { new { clientMessageId = "a", text = "one" }, new { clientMessageId = "b", text = "two" }, new { clientMessageId = "a", text = "one again" } } }, ct);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var results = (await stored.Content.ReadFromJsonAsync<PostMessagesResult>(ct))!.Results;
        Assert.Equal([false, false, true], results.Select(r => r.Duplicate));
        Assert.Equal(results[0].Seq + 1, results[1].Seq);
        Assert.Equal(results[0].Seq, results[2].Seq);

        HttpResponseMessage[] refused =
        [
            await alice.Http.PostAsJsonAsync(path, new { messages = Array.Empty<object>() }, ct),
            await alice.Http.PostAsJsonAsync(path, new { messages = new[] { new { clientMessageId = "c", text = "fine" }, new { clientMessageId = "", text = "no id" } } }, ct),
            await alice.Http.PostAsJsonAsync(path, new { messages = Enumerable.Range(0, 101).Select(i => new { clientMessageId = $"x{i}", text = "many" }) }, ct),
        ];
        foreach (var answer in refused)
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        }
        // Nothing of a refused batch was stored: "c" is new when sent again.
        using var again = await alice.Http.PostAsJsonAsync(path, new { messages = new[] { new { clientMessageId = "c", text = "fine" } } }, ct);
        Assert.False((await again.Content.ReadFromJsonAsync<PostMessagesResult>(ct))!.Results.Single().Duplicate);
    }

    [Fact]
    public async Task ConcurrentSendersGetGapFreeSeqsSeenInTheSameOrderByEveryone()
    {
        await using var group = await ClientGroup.SignInAsync(FrontDoor, 10, "u");
        var clients = group.Clients;
        var thread = await clients[0].CreateThreadAsync("Crowd");
        await group.JoinAsync(clients[0], thread);
        var sent = await Task.WhenAll(clients.Select(c => c.SendAsync(thread, $"from {c.UserName}")));
        var highest = sent.Max(s => s.Seq);
        foreach (var client in clients)
        {
            await client.WaitForSeqAsync(thread, highest);
        }

        var reference = clients[0].EventsOf(thread).Where(e => e.Seq <= highest).Select(e => e.Seq).ToArray();
        Assert.Equal(Enumerable.Range(1, (int)highest).Select(s => (long)s), reference);
        foreach (var client in clients)
        {
            var seen = client.EventsOf(thread).Where(e => e.Seq <= highest).ToArray();
            Assert.Equal(reference, seen.Select(e => e.Seq));
            Assert.Equal(clients[0].EventsOf(thread).Where(e => e.Seq <= highest).Select(e => e.Type), seen.Select(e => e.Type));
        }
    }

    [Fact]
    public async Task AnEventCommittedButNeverPublishedStillReachesLiveReaders()
    {
        await using var alice = await SignInAsync("alice");
        var thread = await alice.CreateThreadAsync("Lost publish");
        await alice.ConnectAsync();
        await alice.JoinAsync(thread);

        // As if the Api died right after its commit: the event is in the log, never on the stream.
        await AppendWithoutPublishingAsync(thread);
        var next = await alice.SendAsync(thread, "after the lost one");

        await alice.WaitForSeqAsync(thread, next.Seq);
        var seqs = alice.EventsOf(thread).Select(e => e.Seq).Where(s => s <= next.Seq).ToArray();
        Assert.Equal(Enumerable.Range(1, (int)next.Seq).Select(s => (long)s), seqs);
        Assert.Equal("error", alice.EventsOf(thread).Single(e => e.Seq == next.Seq - 1).Payload.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AMalformedStreamEntryIsSkippedAndHoldsUpNoLaterEvent()
    {
        await using var alice = await SignInAsync("alice");
        var thread = await alice.CreateThreadAsync("Corrupt publish");
        await alice.ConnectAsync();
        await alice.JoinAsync(thread);

        // The event is in the log; what reached the stream for it is not JSON (and one entry is not an event at all).
        var seq = await AppendWithoutPublishingAsync(thread);
        await using (var redis = await ConnectToRedisAsync())
        {
            var stream = redis.GetDatabase();
            await stream.StreamAddAsync(Agents.Messaging.EventStream.Key,
                [new("thread", thread.ToString()), new("seq", seq), new("type", "bot_status"), new("payload", "{\"status\": err")]);
            await stream.StreamAddAsync(Agents.Messaging.EventStream.Key, [new("hello", "world")]);
        }
        var next = await alice.SendAsync(thread, "after the corrupt one");

        await alice.WaitForSeqAsync(thread, next.Seq);
        var seqs = alice.EventsOf(thread).Select(e => e.Seq).Where(s => s <= next.Seq).ToArray();
        Assert.Equal(Enumerable.Range(1, (int)next.Seq).Select(s => (long)s), seqs);
        Assert.Equal("error", alice.EventsOf(thread).Single(e => e.Seq == seq).Payload.GetProperty("status").GetString());
    }

    /// <summary>The app's own Redis, to act as another instance (or a broken publisher) would.</summary>
    private async Task<StackExchange.Redis.ConnectionMultiplexer> ConnectToRedisAsync() =>
        await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(
            (await Fixture.App.GetConnectionStringAsync(ResourceNames.Cache, TestContext.Current.CancellationToken))!);

    /// <summary>Commits a bot_status event to a thread's log without publishing it to the stream; returns its seq.</summary>
    private async Task<long> AppendWithoutPublishingAsync(Guid thread)
    {
        await using var connection = new NpgsqlConnection(await Fixture.App.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        const string appendWithoutPublishing = """
            WITH next AS (UPDATE threads SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
            INSERT INTO thread_events (thread_id, seq, type, payload)
            SELECT $1, last_seq, 'bot_status', '{"status":"error","run_id":null}'::jsonb FROM next
            RETURNING seq
            """;
        await using var append = new NpgsqlCommand(appendWithoutPublishing, connection) { Parameters = { new() { Value = thread } } };
        return (long)(await append.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    [Fact]
    public async Task AccessTokensNeverReachAnyLog()
    {
        await using var alice = await SignInAsync("alice");
        var thread = await alice.CreateThreadAsync("Secrets");
        await alice.ConnectAsync(); // the token travels in the access_token query string
        await alice.JoinAsync(thread);
        await alice.SendAsync(thread, "hello");
        await using (var ws = await WsClient.ConnectAsync(FrontDoor, alice.Token))
        {
            await ws.WaitForTypeAsync(EventTypes.ConnectionEstablished);
        }
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmResponse), "the reply");

        var signature = alice.Token.Split('.')[2];
        foreach (var resource in Fixture.App.Model.Resources)
        {
            Assert.DoesNotContain(Fixture.App.ResourceLogs.GetLogs(resource.Name), line => line.Content.Contains(signature, StringComparison.Ordinal));
        }
    }

    private sealed record ThreadIdBody(Guid Id);
}
