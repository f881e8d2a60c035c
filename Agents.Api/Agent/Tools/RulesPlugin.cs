using System.ComponentModel;
using Agents.Api.Agent.Runtime;
using Agents.Api.Rules.Registry;
using Agents.Api.Rules.Safety;
using Agents.Api.Rules.Translation;
using Microsoft.SemanticKernel;

namespace Agents.Api.Agent.Tools;

/// <summary>
/// The <c>rules</c> plugin: turns a rule's text into SQL, shows it (rule_sql_generated), dry-runs it, creates or
/// refreshes its materialized view and reports the result (rule_result), or says what went wrong (error).
/// </summary>
public sealed class RulesPlugin(RuleService rules, RuleStore store, RunContext? run)
{
    [KernelFunction("create"), Description("Creates (or refreshes) a rule from a plain-language description: SQL over the allowed schemas, run read-only, kept as a materialized view.")]
    public async Task<string> CreateAsync(
        [Description("What the rule selects, in plain words, e.g. 'orders where status is pending'")] string text,
        [Description("The rule's name (lower snake case); empty to derive it from the text")] string name = "",
        CancellationToken cancellationToken = default)
    {
        var runId = run?.RunId ?? Guid.Empty;
        RulePreview preview;
        try
        {
            preview = await rules.PreviewAsync(text, cancellationToken);
        }
        catch (Exception e) when (e is TranslationDeclinedException or UnsafeQueryException or QueryFailedException)
        {
            var suggestions = (e as TranslationDeclinedException)?.Suggestions ?? [];
            await EmitAsync(EventTypes.Error, new RuleErrorPayload(runId, string.IsNullOrEmpty(name) ? RuleNames.FromText(text) : name, e.Message, suggestions));
            throw new ToolFailedException((e as TranslationDeclinedException)?.Explanation ?? e.Message);
        }
        var ruleName = string.IsNullOrEmpty(name) ? preview.Name : RuleNames.IsValid(name) ? name
            : throw new ToolFailedException($"'{name}' is not a usable rule name: lower-case letters, digits and '_', starting with a letter.");
        await EmitAsync(EventTypes.RuleSqlGenerated, new RuleSqlGeneratedPayload(runId, ruleName, text, SqlLiteral.Inline(preview.Sql, preview.Parameters), preview.Translator));

        RuleDto rule;
        try
        {
            rule = string.IsNullOrEmpty(name) || name == preview.Name
                ? await rules.CreateOrUpdateAsync(text, preview, run?.RequestedBy ?? "agent", cancellationToken)
                : await store.GetByNameAsync(name, cancellationToken) is { } existing
                    ? await rules.ChangeTextAsync(existing, text, preview, cancellationToken)
                    : await rules.CreateAsync(text, preview, name, run?.RequestedBy ?? "agent", cancellationToken);
        }
        catch (Exception e) when (e is UnsafeQueryException or QueryFailedException or RuleConflictException)
        {
            await EmitAsync(EventTypes.Error, new RuleErrorPayload(runId, ruleName, e.Message, []));
            throw new ToolFailedException(e.Message);
        }
        var columns = preview.Columns.Select(c => c.Name).ToList();
        await EmitAsync(EventTypes.RuleResult, new RuleResultPayload(runId, rule.Id, rule.Name, rule.RowCount, rule.View, rule.DurationMs, columns,
            [.. preview.Rows.Take(20).Select(r => (IReadOnlyList<object?>)r)]));
        return $"Rule {rule.Name} -> {rule.RowCount} rows -> {rule.View}";
    }

    [KernelFunction("list"), Description("Lists the rules with their row counts and views.")]
    public async Task<string> ListAsync(CancellationToken cancellationToken = default)
    {
        var all = await store.ListAsync(cancellationToken);
        return all.Count == 0
            ? "No rules yet. Say: run <what the rule selects>, e.g. run find all patterns where kind equals pattern."
            : string.Join(Environment.NewLine, all.Select(r => $"{r.Name}: {r.RowCount} rows in {r.View} (v{r.Version}), \"{r.Text}\""));
    }

    [KernelFunction("refresh"), Description("Refreshes a rule's materialized view and reports its row count.")]
    public async Task<string> RefreshAsync([Description("The rule's name")] string name, CancellationToken cancellationToken = default)
    {
        var rule = await store.GetByNameAsync(name, cancellationToken) ?? throw new ToolFailedException($"There is no rule named {name}.");
        var refreshed = await rules.RefreshAsync(rule, cancellationToken);
        return $"Rule {refreshed.Name} -> {refreshed.RowCount} rows -> {refreshed.View}";
    }

    private Task EmitAsync(string type, object payload) => run?.EmitAsync(type, payload) ?? Task.CompletedTask;
}
