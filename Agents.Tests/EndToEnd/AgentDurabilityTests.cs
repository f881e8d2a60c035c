using Agents.Protocol;
using Agents.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace Agents.Tests.EndToEnd;

/// <summary>The whole app, with the Api killed in the middle of a run and started again.</summary>
public sealed class AgentDurabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ARunWhoseApiWasKilledIsResumedAfterTheRestartAndTheClientSeesItEnd()
    {
        await using var app = await TestApps.StartAppHostAsync(output);
        await using var alice = await AgentsClient.SignInAsync(app.GetEndpoint(ResourceNames.Web), "alice");
        var thread = await alice.StartThreadAsync("Durable");
        await alice.SendAsync(thread, "wait 3 seconds");
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.WorkflowApprovalRequired), "the approval request");
        var workflow = alice.EventsOf(thread).First(e => e.Type == EventTypes.WorkflowApprovalRequired).Payload.GetProperty("workflow_id").GetGuid();
        await alice.Hub.InvokeAsync<WorkflowActionResult>("WorkflowApproval", workflow, true, "go", null, TestContext.Current.CancellationToken).WithTimeout();
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.CommandExecutionStart), "the step's command started");

        // The Api dies in the middle of the step (no graceful shutdown), then comes back.
        System.Diagnostics.Process.GetProcessById(app.PidOf(ResourceNames.Api)).Kill(entireProcessTree: true);
        var restart = await app.ResourceCommands.ExecuteCommandAsync(ResourceNames.Api, KnownResourceCommands.RestartCommand, TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(restart.Success, restart.ErrorMessage);
        await app.WaitForHealthyAsync(ResourceNames.Api);

        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.WorkflowCompleted), "the workflow completing after the restart", TimeSpan.FromSeconds(60));
        var started = alice.EventsOf(thread).Count(e => e.Type == EventTypes.WorkflowStepStarted);
        Assert.Equal(2, started); // the interrupted step ran again from its start
        Assert.Equal(1, app.Of(ResourceNames.Api).Restarts);

        await using var connection = new NpgsqlConnection(await app.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = new NpgsqlCommand("SELECT status, attempts FROM runs WHERE id = $1", connection) { Parameters = { new() { Value = workflow } } };
        await using var reader = await query.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal("completed", reader.GetString(0));
        Assert.Equal(3, reader.GetInt32(1)); // taken for the plan, after the approval, and after the restart
    }

    [Fact]
    public async Task MessagesSentWhileNoWorkerRunsAreMarkedOfflineOnceStayQueuedAndAreAnsweredWhenOneComes()
    {
        var workers = "0";
        await using var app = await TestApps.StartAppHostAsync(output, builder => builder.Project(ResourceNames.Api).WithEnvironment(context =>
        {
            context.EnvironmentVariables["Agent__Workers"] = workers; // read at every start of the Api
            return ValueTask.CompletedTask;
        }));
        await using var alice = await AgentsClient.SignInAsync(app.GetEndpoint(ResourceNames.Web), "alice");
        var thread = await alice.StartThreadAsync("Nobody home");
        await alice.SendAsync(thread, "hello");
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.BotStatus && e.Payload.GetProperty("status").GetString() == BotStatuses.Offline), "bot offline");
        // A second message while the first still waits: people were told already, so no second "offline".
        var second = await alice.SendAsync(thread, "anyone?");
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Seq == second.Seq), "the second message");
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(alice.EventsOf(thread), e => e.Type == EventTypes.LlmResponse);
        Assert.Single(alice.EventsOf(thread), e => e.Type == EventTypes.BotStatus);

        workers = "2";
        var restart = await app.ResourceCommands.ExecuteCommandAsync(ResourceNames.Api, KnownResourceCommands.RestartCommand, TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(restart.Success, restart.ErrorMessage);

        await alice.WaitUntilAsync(c => c.EventsOf(thread).Count(e => e.Type == EventTypes.LlmResponse) == 2, "both replies once a worker runs", TimeSpan.FromSeconds(60));
        // Each run ends with its own "idle"; with two workers one run's "idle" may come after the other's reply and "idle".
        await alice.WaitUntilAsync(c => c.EventsOf(thread).Count(e => e.Type == EventTypes.BotStatus
            && e.Payload.GetProperty("status").GetString() == BotStatuses.Idle) == 2, "both runs idle");
        var statuses = alice.EventsOf(thread).Where(e => e.Type == EventTypes.BotStatus).Select(e => e.Payload.GetProperty("status").GetString()!).ToArray();
        // Two workers may take the two runs at once, so only the counts are fixed: one "offline" first, then each run's own.
        Assert.Equal(BotStatuses.Offline, statuses[0]);
        Assert.Equal([(BotStatuses.Idle, 2), (BotStatuses.Offline, 1), (BotStatuses.Thinking, 2)],
            statuses.CountBy(s => s).Select(c => (c.Key, c.Value)).Order().ToArray());
    }
}
