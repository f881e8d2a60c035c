using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Agents.Protocol;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.EndToEnd;

/// <summary>Rules through the whole app: the REST API (preview, registry, rows, CSV, versions), the chat's "run ...",
/// data questions, and /ws run_rule; the built-in translator over the seeded demo schema.</summary>
[Collection(AppHostCollection.Name)]
public sealed class RulesTests(AppHostFixture fixture, ITestOutputHelper output) : FrontDoorTests(fixture, output)
{
    private static readonly CancellationToken Token = TestContext.Current.CancellationToken;

    [Fact]
    public async Task APreviewShowsTheSqlAndRowsAndCreatesNothing()
    {
        await using var alice = await SignInAsync("rules");
        var response = await alice.Http.PostAsJsonAsync("/api/rules/preview", new { text = "Find all patterns where kind equals pattern" }, Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var preview = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal("find_patterns_of_kind_pattern", preview.GetProperty("name").GetString());
        Assert.Contains("demo", preview.GetProperty("sql").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, preview.GetProperty("rowCount").GetInt64());
        Assert.Equal(5, preview.GetProperty("rows").GetArrayLength());
        var columns = preview.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("kind", columns);
        var kind = columns.IndexOf("kind");
        Assert.All(preview.GetProperty("rows").EnumerateArray(), row => Assert.Equal("pattern", row[kind].GetString()));

        var rules = await alice.Http.GetFromJsonAsync<JsonElement>("/api/rules", Token);
        Assert.DoesNotContain(rules.EnumerateArray(), r => r.GetProperty("name").GetString() == "find_patterns_of_kind_pattern" && r.GetProperty("createdBy").GetString() == alice.UserName);
    }

    [Fact]
    public async Task ARuleThatIsNotUnderstoodIsDeclinedWithWhatAndSuggestions()
    {
        await using var alice = await SignInAsync("rules");
        var response = await alice.Http.PostAsJsonAsync("/api/rules/preview", new { text = "find all custmers from Atlantis with unicorns" }, Token);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Contains("unicorns", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("customers", problem.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));

        var empty = await alice.Http.PostAsJsonAsync("/api/rules/preview", new { text = "" }, Token);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task ARuleIsCreatedPagedExportedVersionedAndDeletedByItsCreatorOnly()
    {
        await using var alice = await SignInAsync("rules");
        await using var bob = await SignInAsync("rules");
        var name = $"idioms_{Guid.NewGuid():N}"[..20];

        var created = await alice.Http.PostAsJsonAsync("/api/rules", new { text = "patterns where kind is idiom", name }, Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = await created.Content.ReadFromJsonAsync<JsonElement>(Token);
        var id = rule.GetProperty("id").GetGuid();
        Assert.Equal($"rules.{name}", rule.GetProperty("view").GetString());
        Assert.Equal(3, rule.GetProperty("rowCount").GetInt64());
        Assert.Equal(1, rule.GetProperty("version").GetInt32());

        var again = await bob.Http.PostAsJsonAsync("/api/rules", new { text = "patterns where kind is idiom", name }, Token);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var page = await alice.Http.GetFromJsonAsync<JsonElement>($"/api/rules/{id}/rows?offset=1&limit=2&sort=name&desc=true", Token);
        Assert.Equal(3, page.GetProperty("rowCount").GetInt64());
        var nameColumn = page.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList().IndexOf("name");
        var names = page.GetProperty("rows").EnumerateArray().Select(r => r[nameColumn].GetString()).ToList();
        Assert.Equal(["Null object", "Early return"], names); // RAII, Null object, Early return by name descending, from the second
        var badSort = await alice.Http.GetAsync($"/api/rules/{id}/rows?sort=nope", Token);
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);

        var csv = await alice.Http.GetStringAsync($"/api/rules/{id}/csv", Token);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("id,name,kind,description,created_at", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("10,RAII,idiom,", StringComparison.Ordinal));

        // A new text with other SQL: version 2 in a view of its own, the old one gone.
        var changed = await alice.Http.PutAsJsonAsync($"/api/rules/{id}", new { text = "patterns where kind is anti_pattern" }, Token);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var v2 = await changed.Content.ReadFromJsonAsync<JsonElement>(Token);
        Assert.Equal(2, v2.GetProperty("version").GetInt32());
        Assert.Equal($"rules.{name}_v2", v2.GetProperty("view").GetString());
        Assert.Equal(4, v2.GetProperty("rowCount").GetInt64());
        var refreshed = await alice.Http.PostAsync($"/api/rules/{id}/refresh", null, Token);
        Assert.Equal(4, (await refreshed.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("rowCount").GetInt64());

        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.DeleteAsync($"/api/rules/{id}", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.DeleteAsync($"/api/rules/{id}", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.Http.GetAsync($"/api/rules/{id}", Token)).StatusCode);
    }

    [Fact]
    public async Task RunInTheChatShowsTheSqlThenCreatesTheRuleAndAnswersWithItsRowsAndView()
    {
        await using var alice = await SignInAsync("rules");
        var thread = await alice.StartThreadAsync("Rules in the chat");
        await alice.SendAsync(thread, "run Find all patterns where kind equals pattern");

        var sql = await alice.WaitForEventAsync(thread, EventTypes.RuleSqlGenerated);
        Assert.Equal("find_patterns_of_kind_pattern", sql.Payload.GetProperty("rule").GetString());
        Assert.Contains("'pattern'", sql.Payload.GetProperty("sql").GetString(), StringComparison.Ordinal);
        var result = await alice.WaitForEventAsync(thread, EventTypes.RuleResult);
        Assert.Equal(5, result.Payload.GetProperty("rows").GetInt64());
        Assert.Equal("rules.find_patterns_of_kind_pattern", result.Payload.GetProperty("view").GetString());
        Assert.Equal(5, result.Payload.GetProperty("preview").GetArrayLength());
        Assert.True(sql.Seq < result.Seq);
        var done = await alice.WaitForEventAsync(thread, EventTypes.GoalCompleted);
        Assert.Contains("Rule find_patterns_of_kind_pattern -> 5 rows -> rules.find_patterns_of_kind_pattern", done.Payload.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARuleTheGrammarCannotMapEndsWithAnErrorEventAndAFailedStep()
    {
        await using var alice = await SignInAsync("rules");
        var thread = await alice.StartThreadAsync("A rule about unicorns");
        await alice.SendAsync(thread, "run find all unicorns with sparkles");

        var error = await alice.WaitForEventAsync(thread, EventTypes.Error);
        Assert.Contains("unicorns", error.Payload.GetProperty("message").GetString(), StringComparison.Ordinal);
        var failed = await alice.WaitForEventAsync(thread, EventTypes.WorkflowFailed);
        Assert.Equal(1, failed.Payload.GetProperty("failed_step").GetInt32());
        Assert.DoesNotContain(alice.EventsOf(thread), e => e.Type == EventTypes.RuleResult);
    }

    [Fact]
    public async Task ADataQuestionIsAnsweredByAReadOnlyQueryStep()
    {
        await using var alice = await SignInAsync("rules");
        var thread = await alice.StartThreadAsync("Questions");
        await alice.SendAsync(thread, "how many orders per status");

        var plan = await alice.WaitForEventAsync(thread, EventTypes.PlanReady);
        Assert.Equal("data", plan.Payload.GetProperty("steps")[0].GetProperty("tool").GetString()!.Split('.')[0]);
        var output = await alice.WaitForEventAsync(thread, EventTypes.ToolOutput);
        var table = output.Payload.GetProperty("output").GetString()!;
        Assert.Contains("| status | count |", table, StringComparison.Ordinal);
        Assert.Contains("| delivered |", table, StringComparison.Ordinal);
        await alice.WaitForEventAsync(thread, EventTypes.GoalCompleted);
    }

    [Fact]
    public async Task RunRuleOverPlainWebSocketIsAcknowledgedAndAnsweredInTheThread()
    {
        await using var user = await SignInAsync("ws-rules");
        var thread = await user.CreateThreadAsync("Rules over /ws");
        await using var ws = await WsClient.ConnectAsync(FrontDoor, user.Token);
        await ws.SendAsync(WsClient.Frame(EventTypes.JoinThread, new { thread_id = thread, after_seq = 0 }, "j1"));
        await ws.WaitForTypeAsync(EventTypes.ThreadJoined, "j1");
        var name = $"kenya_{Guid.NewGuid():N}"[..16];

        await ws.SendAsync(WsClient.Frame(EventTypes.RunRule, new { thread_id = thread, rule_code = "customers from Kenya", rule_id = name }, "r1"));
        var accepted = await ws.WaitForTypeAsync(EventTypes.RuleAccepted, "r1");
        Assert.Equal(name, accepted.GetProperty("payload").GetProperty("rule_id").GetString());
        var result = await ws.WaitForAsync(f => f.GetProperty("type").GetString() == EventTypes.RuleResult, "rule_result", TimeSpan.FromSeconds(30));
        Assert.Equal(name, result.GetProperty("payload").GetProperty("rule").GetString());
        Assert.Equal(50, result.GetProperty("payload").GetProperty("rows").GetInt64()); // every eighth of 400 customers

        await ws.SendAsync(WsClient.Frame(EventTypes.RunRule, new { thread_id = thread, rule_code = " " }, "r2"));
        var error = await ws.WaitForAsync(f => f.GetProperty("type").GetString() == EventTypes.Error && f.GetProperty("request_id").GetString() == "r2", "the error");
        Assert.Equal(ErrorCodes.Validation, error.GetProperty("payload").GetProperty("code").GetString());
    }
}
