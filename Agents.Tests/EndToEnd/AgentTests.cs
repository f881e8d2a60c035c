using Agents.Protocol;
using Agents.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Agents.Tests.EndToEnd;

/// <summary>The agent with the built-in engine, end to end through the hub: goals, plans, steps, approvals, cancel.</summary>
[Collection(AppHostCollection.Name)]
public sealed class AgentTests(AppHostFixture fixture, ITestOutputHelper output) : FrontDoorTests(fixture, output)
{
    private static string Status(ThreadEvent e) => e.Payload.GetProperty("status").GetString()!;

    private static Guid WorkflowOf(ThreadEvent e) => e.Payload.GetProperty("workflow_id").GetGuid();

    private static Task<WorkflowActionResult> DecideAsync(AgentsClient client, Guid workflow, bool approved, Dictionary<string, string>? arguments = null) =>
        client.Hub.InvokeAsync<WorkflowActionResult>("WorkflowApproval", workflow, approved, approved ? "go ahead" : "no", arguments, TestContext.Current.CancellationToken).WithTimeout();

    private async Task<(AgentsClient Client, Guid Thread)> StartAsync(string title)
    {
        var client = await SignInAsync("agent");
        return (client, await client.StartThreadAsync(title));
    }

    [Fact]
    public async Task AGoalIsPlannedAndItsStepsRunInOrderEachRiskyOneAfterApproval()
    {
        var (alice, thread) = await StartAsync("System report");
        await using var _ = alice;
        await alice.SendAsync(thread, "system report");

        var plan = await alice.WaitForEventAsync(thread, EventTypes.PlanReady);
        var workflow = WorkflowOf(plan);
        var steps = plan.Payload.GetProperty("steps").EnumerateArray().ToArray();
        Assert.Equal(4, steps.Length);
        Assert.All(steps, s => Assert.True(s.GetProperty("requires_approval").GetBoolean()));

        for (var step = 1; step <= 4; step++)
        {
            var ask = await alice.WaitForEventAsync(thread, EventTypes.WorkflowApprovalRequired, e => e.Payload.GetProperty("step_number").GetInt32() == step);
            Assert.Equal(workflow, WorkflowOf(ask));
            await DecideAsync(alice, workflow, approved: true);
        }
        await alice.WaitForEventAsync(thread, EventTypes.GoalCompleted, timeout: TimeSpan.FromSeconds(60));
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Where(e => e.Type == EventTypes.BotStatus).Select(Status).LastOrDefault() == BotStatuses.Idle, "bot idle");

        var events = alice.EventsOf(thread).Where(e => e.Type != EventTypes.BotStatus && e.Type != EventTypes.Progress).Select(e => e.Type).ToList();
        string[] perStep = [EventTypes.WorkflowApprovalRequired, EventTypes.WorkflowApproval, EventTypes.WorkflowStepStarted,
            EventTypes.CommandExecutionStart, EventTypes.CommandExecutionEnd, EventTypes.WorkflowStepCompleted];
        string[] expected = [EventTypes.ThreadCreated, EventTypes.UserMessage, EventTypes.GoalReceived, EventTypes.PlanReady,
            .. Enumerable.Repeat(perStep, 4).SelectMany(x => x), EventTypes.WorkflowCompleted, EventTypes.GoalCompleted];
        Assert.Equal(expected, events);
        var started = alice.EventsOf(thread).Where(e => e.Type == EventTypes.WorkflowStepStarted).Select(e => e.Payload.GetProperty("step_number").GetInt32());
        Assert.Equal([1, 2, 3, 4], started);
        var uname = alice.EventsOf(thread).First(e => e.Type == EventTypes.CommandExecutionEnd);
        Assert.Equal(0, uname.Payload.GetProperty("exit_code").GetInt32());
        Assert.Contains("Linux", uname.Payload.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.Contains(BotStatuses.WaitingApproval, alice.EventsOf(thread).Where(e => e.Type == EventTypes.BotStatus).Select(Status));
    }

    [Fact]
    public async Task AStepsArgumentsCanBeEditedBeforeApproving()
    {
        var (alice, thread) = await StartAsync("Edit");
        await using var _ = alice;
        await alice.SendAsync(thread, "run echo original");
        var ask = await alice.WaitForEventAsync(thread, EventTypes.WorkflowApprovalRequired);
        Assert.Equal("original", ask.Payload.GetProperty("arguments").GetProperty("arguments").GetString());

        await DecideAsync(alice, WorkflowOf(ask), approved: true, new Dictionary<string, string> { ["arguments"] = "edited; rm -rf /" });

        var end = await alice.WaitForEventAsync(thread, EventTypes.CommandExecutionEnd);
        Assert.Equal("edited; rm -rf /\n", end.Payload.GetProperty("output").GetString());
        await alice.WaitForEventAsync(thread, EventTypes.WorkflowCompleted);
    }

    [Fact]
    public async Task RejectingAStepCancelsTheWorkflow()
    {
        var (alice, thread) = await StartAsync("Reject");
        await using var _ = alice;
        await alice.SendAsync(thread, "check disk space");
        var ask = await alice.WaitForEventAsync(thread, EventTypes.WorkflowApprovalRequired);

        var result = await DecideAsync(alice, WorkflowOf(ask), approved: false);

        Assert.Equal("cancelled", result.Status);
        var cancelled = await alice.WaitForEventAsync(thread, EventTypes.WorkflowCancelled);
        Assert.Equal(1, cancelled.Payload.GetProperty("cancelled_at_step").GetInt32());
        Assert.DoesNotContain(alice.EventsOf(thread), e => e.Type == EventTypes.CommandExecutionStart);
        var again = await Assert.ThrowsAsync<HubException>(() => DecideAsync(alice, WorkflowOf(ask), approved: true));
        Assert.Contains($"{ErrorCodes.Conflict}:", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelInTheMiddleOfAStepKillsItsCommand()
    {
        var (alice, thread) = await StartAsync("Cancel");
        await using var _ = alice;
        await alice.SendAsync(thread, "wait 120 seconds");
        var ask = await alice.WaitForEventAsync(thread, EventTypes.WorkflowApprovalRequired);
        var workflow = WorkflowOf(ask);
        await DecideAsync(alice, workflow, approved: true);
        await alice.WaitForEventAsync(thread, EventTypes.CommandExecutionStart);
        var sleeping = await WaitForSleepAsync(Fixture.App.PidOf(ResourceNames.Api), "120");

        var result = await alice.Hub.InvokeAsync<WorkflowActionResult>("WorkflowCancel", workflow, TestContext.Current.CancellationToken).WithTimeout();

        Assert.Equal("cancelling", result.Status);
        var cancelled = await alice.WaitForEventAsync(thread, EventTypes.WorkflowCancelled);
        Assert.Equal(1, cancelled.Payload.GetProperty("cancelled_at_step").GetInt32());
        Assert.False(ProcessInfo.IsAlive(sleeping), "the step's command is still running");
        Assert.DoesNotContain(alice.EventsOf(thread), e => e.Type == EventTypes.WorkflowCompleted);
    }

    [Fact]
    public async Task SafeToolsRunWithoutApprovalAndUnknownGoalsAreDeclinedPlainly()
    {
        var (alice, thread) = await StartAsync("Summary");
        await using var _ = alice;
        await alice.SendAsync(thread, "hello there");
        await alice.SendAsync(thread, "summarise this thread");

        var output = await alice.WaitForEventAsync(thread, EventTypes.ToolOutput);
        Assert.Contains("2 messages from", output.Payload.GetProperty("output").GetString(), StringComparison.Ordinal);
        await alice.WaitForEventAsync(thread, EventTypes.GoalCompleted);
        Assert.DoesNotContain(alice.EventsOf(thread), e => e.Type == EventTypes.WorkflowApprovalRequired);

        await alice.SendAsync(thread, "goal: fly to the moon");
        var reply = await alice.WaitForEventAsync(thread, EventTypes.LlmResponse, e => e.Payload.GetProperty("response").GetString()!.Contains("can't plan", StringComparison.Ordinal));
        Assert.Contains("check disk space", reply.Payload.GetProperty("response").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Waits for the `sleep SECONDS` process the Api starts for a step, and returns its pid.</summary>
    private static async Task<int> WaitForSleepAsync(int api, string seconds)
    {
        var deadline = DateTime.UtcNow + TestTimeouts.Default;
        while (DateTime.UtcNow < deadline)
        {
            var found = ProcessInfo.Tree(api).Skip(1).Where(pid => CommandLine(pid).EndsWith($"sleep\0{seconds}\0", StringComparison.Ordinal)).ToList();
            if (found.Count == 1)
            {
                return found[0];
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"The Api never started `sleep {seconds}`.");
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline");
        }
        catch (IOException)
        {
            return "";
        }
    }

    [Fact]
    public async Task TheRunOfAMessageCarriesTheTraceContextOfTheRequestThatSentIt()
    {
        await using var alice = await SignInAsync("traced");
        var thread = await alice.CreateThreadAsync("Traced");
        const string traceId = "0af7651916cd43dd8448eb211c80319c";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/threads/{thread}/messages")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { clientMessageId = "t1", text = "hello" }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-b7ad6b7169203331-01");
        using var response = await alice.Http.SendAsync(request, TestContext.Current.CancellationToken).WithTimeout();
        response.EnsureSuccessStatusCode();

        await using var connection = new Npgsql.NpgsqlConnection(await Fixture.App.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new Npgsql.NpgsqlCommand("SELECT traceparent FROM runs WHERE thread_id = $1", connection) { Parameters = { new() { Value = thread } } };
        var traceparent = (string?)await query.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith($"00-{traceId}-", traceparent, StringComparison.Ordinal);
    }
}
