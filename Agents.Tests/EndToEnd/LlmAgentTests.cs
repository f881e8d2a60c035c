using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Agents.Protocol;
using Agents.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace Agents.Tests.EndToEnd;

/// <summary>
/// The agent with the LLM engine: the real Semantic Kernel OpenAI connector, over real HTTP, against a local
/// OpenAI-compatible stub; one app for the class, configured through the AppHost's Llm settings.
/// </summary>
public sealed class LlmAgentTests(ITestOutputHelper output) : IAsyncLifetime
{
    private OpenAiStub _stub = null!;
    private DistributedApplication _app = null!;

    public async ValueTask InitializeAsync()
    {
        _stub = await OpenAiStub.StartAsync();
        _app = await TestApps.StartAppHostAsync(output, change: null, $"--Llm:Endpoint={_stub.Endpoint}", "--Llm:Model=stub-model", "--Llm:Timeout=00:00:03",
            "--Rules:StatementTimeout=00:01:00"); // lets the slow query of the cancel test run until it is cancelled
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _stub.DisposeAsync();
    }

    private async Task<(AgentsClient Client, Guid Thread)> StartAsync(string user)
    {
        var client = await AgentsClient.SignInAsync(_app.GetEndpoint(ResourceNames.Web), user);
        return (client, await client.StartThreadAsync("With a model"));
    }

    [Fact]
    public async Task AStreamedReplyReachesTheClientAsOrderedDeltasThenTheWholeResponse()
    {
        var (alice, thread) = await StartAsync("alice");
        await using var _ = alice;
        await alice.SendAsync(thread, "hello model");

        await alice.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmResponse), "the reply");
        var events = alice.EventsOf(thread);
        var tokens = events.Where(e => e.Type == EventTypes.LlmToken).ToList();
        var response = events.Single(e => e.Type == EventTypes.LlmResponse);
        Assert.True(tokens.Count >= 2, $"expected the reply in several pieces, got {tokens.Count}");
        Assert.Equal(Enumerable.Range(0, tokens.Count), tokens.Select(t => t.Payload.GetProperty("index").GetInt32()));
        Assert.Equal(OpenAiStub.Reply, string.Concat(tokens.Select(t => t.Payload.GetProperty("delta").GetString())));
        Assert.Equal(OpenAiStub.Reply, response.Payload.GetProperty("response").GetString());
        Assert.Equal("stub-model", response.Payload.GetProperty("model").GetString());
        Assert.All(tokens, t => Assert.True(t.Seq < response.Seq));
        var statuses = events.Where(e => e.Type == EventTypes.LlmStatus).Select(e => e.Payload.GetProperty("status").GetString()!).ToArray();
        Assert.Equal(["generating", "ready"], statuses);
        // The model was offered the agent's plugins as tools.
        Assert.Contains(_stub.Requests, r => r["tools"]?.AsArray().Any(t => t!["function"]!["name"]!.ToString() == "commands-run") == true);
    }

    [Fact]
    public async Task AToolCallOfTheModelBecomesAPlanStepThatWaitsForApprovalAndRunsThroughTheFilter()
    {
        var (bob, thread) = await StartAsync("bob");
        await using var _ = bob;
        await bob.SendAsync(thread, "plan: say something");

        await bob.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.WorkflowApprovalRequired), "the approval request");
        var plan = bob.EventsOf(thread).Single(e => e.Type == EventTypes.PlanReady);
        var step = plan.Payload.GetProperty("steps")[0];
        Assert.Equal("commands.run", step.GetProperty("tool").GetString());
        Assert.Equal(OpenAiStub.ToolArguments, step.GetProperty("arguments").GetProperty("arguments").GetString());
        Assert.DoesNotContain(bob.EventsOf(thread), e => e.Type == EventTypes.CommandExecutionStart);

        var workflow = plan.Payload.GetProperty("workflow_id").GetGuid();
        await bob.Hub.InvokeAsync<WorkflowActionResult>("WorkflowApproval", workflow, true, "ok", null, TestContext.Current.CancellationToken).WithTimeout();

        await bob.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.WorkflowCompleted), "the workflow completing");
        var end = bob.EventsOf(thread).Single(e => e.Type == EventTypes.CommandExecutionEnd);
        Assert.Equal($"{OpenAiStub.ToolArguments}\n", end.Payload.GetProperty("output").GetString());
    }

    [Fact]
    public async Task AModelThatHangsIsCutByTheTimeoutAndReportedAsAnError()
    {
        var (carol, thread) = await StartAsync("carol");
        await using var _ = carol;
        var started = DateTime.UtcNow;
        await carol.SendAsync(thread, "please hang");

        await carol.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmStatus && e.Payload.GetProperty("status").GetString() == "error"), "an llm error", TimeSpan.FromSeconds(20));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(15));
        var error = carol.EventsOf(thread).Last(e => e.Type == EventTypes.LlmStatus);
        Assert.Contains("did not finish within 3 s", error.Payload.GetProperty("error").GetString(), StringComparison.Ordinal);
        await carol.WaitUntilAsync(c => c.EventsOf(thread).LastOrDefault(e => e.Type == EventTypes.BotStatus)?.Payload.GetProperty("status").GetString() == BotStatuses.Error, "bot error");
        Assert.DoesNotContain(carol.EventsOf(thread), e => e.Type == EventTypes.LlmResponse);
    }

    [Fact]
    public async Task StoppingAStreamingReplyStopsTheModelsStreamAndKeepsWhatWasSaid()
    {
        var (dave, thread) = await StartAsync("dave");
        await using var _ = dave;
        await dave.SendAsync(thread, "answer slowly");
        await dave.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmToken), "the first piece of the reply");
        var run = dave.EventsOf(thread).First(e => e.Type == EventTypes.BotStatus).Payload.GetProperty("run_id").GetGuid();

        var result = await dave.Hub.InvokeAsync<WorkflowActionResult>("WorkflowCancel", run, TestContext.Current.CancellationToken).WithTimeout();

        Assert.Equal("cancelling", result.Status);
        await dave.WaitUntilAsync(c => c.EventsOf(thread).Any(e => e.Type == EventTypes.LlmStatus && e.Payload.GetProperty("status").GetString() == "cancelled"), "the reply cancelled");
        Assert.DoesNotContain(dave.EventsOf(thread), e => e.Type == EventTypes.LlmResponse);
        var said = string.Concat(dave.EventsOf(thread).Where(e => e.Type == EventTypes.LlmToken).Select(e => e.Payload.GetProperty("delta").GetString()));
        Assert.StartsWith("word0 ", said, StringComparison.Ordinal);
        Assert.DoesNotContain("word49", said, StringComparison.Ordinal);
        await dave.WaitUntilAsync(_ => _stub.Aborted >= 1, "the model's stream closed by the Api", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task TheModelWritesARulesSqlAndRepairsItWhenTheDatabaseRejectsIt()
    {
        _stub.SqlAnswers.Enqueue("```sql\nSELECT * FROM demo.patternz WHERE kind = 'idiom'\n```");
        _stub.SqlAnswers.Enqueue("SELECT name, kind FROM demo.patterns WHERE kind = 'idiom'");
        await using var erin = await AgentsClient.SignInAsync(_app.GetEndpoint(ResourceNames.Web), "erin");

        var response = await erin.Http.PostAsJsonAsync("/api/rules/preview", new { text = "the idioms" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var preview = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("llm:stub-model", preview.GetProperty("translator").GetString());
        Assert.Equal(3, preview.GetProperty("rowCount").GetInt64());
        Assert.Equal("SELECT name, kind FROM demo.patterns WHERE kind = 'idiom'", preview.GetProperty("sql").GetString());
        var requests = _stub.TranslatorRequests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Contains("demo.patterns(", requests[0]["messages"]![0]!["content"]!.ToString(), StringComparison.Ordinal); // the schema context
        Assert.Contains("patternz", requests[1]["messages"]!.AsArray().Last()!["content"]!.ToString(), StringComparison.Ordinal); // the error fed back
    }

    [Fact]
    public async Task CancellingARuleStepStopsItsRunningQueryInTheDatabase()
    {
        _stub.SqlAnswers.Enqueue("SELECT count(*) FROM demo.orders a, demo.orders b, demo.orders c");
        var (frank, thread) = await StartAsync("frank");
        await using var _ = frank;
        await frank.SendAsync(thread, "rule: count every combination of three orders");

        var started = await frank.WaitForEventAsync(thread, EventTypes.WorkflowStepStarted);
        var workflow = started.Payload.GetProperty("workflow_id").GetGuid();
        await using var database = NpgsqlDataSource.Create((await _app.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken))!);
        await WaitForReaderQueriesAsync(database, atLeast: 1);

        await frank.Hub.InvokeAsync<WorkflowActionResult>("WorkflowCancel", workflow, TestContext.Current.CancellationToken).WithTimeout();

        var cancelled = await frank.WaitForEventAsync(thread, EventTypes.WorkflowCancelled);
        Assert.Equal(1, cancelled.Payload.GetProperty("cancelled_at_step").GetInt32());
        await WaitForReaderQueriesAsync(database, atLeast: 0, atMost: 0);
        Assert.DoesNotContain(frank.EventsOf(thread), e => e.Type == EventTypes.RuleResult);
    }

    private static async Task WaitForReaderQueriesAsync(NpgsqlDataSource database, int atLeast, int atMost = int.MaxValue)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        long active;
        do
        {
            await using var command = database.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE usename = 'agents_rules_reader' AND state = 'active'");
            active = (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
            if (active >= atLeast && active <= atMost)
            {
                return;
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"{active} queries of the reader role are active; expected {atLeast} to {atMost}.");
    }
}
