using Agents.Api.Rules.Registry;
using Agents.Api.Rules.Safety;
using Agents.Api.Rules.Schema;
using Agents.Api.Rules.Translation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Agents.Api.Rules;

public static class RulesApi
{
    /// <summary>Natural-language rules: preview (dry run), the registry, a rule's rows and CSV, and the schema they read.</summary>
    public static RouteGroupBuilder MapRulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rules").WithTags("Rules").RequireAuthorization().AddEndpointFilter<RulesReadyFilter>();
        group.MapPost("/preview", Preview).WithName("PreviewRule").WithSummary("Translate a rule and run it read-only: its SQL and first rows; nothing is created");
        group.MapGet("/", List).WithName("ListRules").WithSummary("Every rule");
        group.MapPost("/", Create).WithName("CreateRule").WithSummary("Create a rule: dry run, then its materialized view and registry entry");
        group.MapGet("/{id:guid}", Get).WithName("GetRule").WithSummary("One rule");
        group.MapPut("/{id:guid}", ChangeText).WithName("ChangeRule").WithSummary("Change a rule's text (a new version of its view when the SQL changes)");
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteRule").WithSummary("Delete a rule and its view (its creator only)");
        group.MapPost("/{id:guid}/refresh", Refresh).WithName("RefreshRule").WithSummary("Refresh a rule's materialized view");
        group.MapGet("/{id:guid}/rows", Rows).WithName("RuleRows").WithSummary("A page of a rule's rows, sorted by a column");
        group.MapGet("/{id:guid}/csv", Csv).WithName("RuleCsv").WithSummary("Every row of a rule as CSV");
        group.MapGet("/schema", Schema).WithName("RulesSchema").WithSummary("The tables, columns, keys and known values rules can use");
        group.MapPost("/schema/refresh", RefreshSchema).WithName("RefreshRulesSchema").WithSummary("Read the allowed schemas again");
        return group;
    }

    private static async Task<Results<Ok<RulePreview>, ProblemHttpResult>> Preview(RuleTextRequest request, RuleService rules, CancellationToken cancellationToken) =>
        await Problems.Guard(async () => TypedResults.Ok(await rules.PreviewAsync(request.Text.Trim(), cancellationToken)));

    private static async Task<Ok<IReadOnlyList<RuleDto>>> List(RuleStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListAsync(cancellationToken));

    private static async Task<Results<Created<RuleDto>, ProblemHttpResult>> Create(CreateRuleRequest request, HttpContext http, RuleService rules, CancellationToken cancellationToken) =>
        await Problems.Guard(async () =>
        {
            var text = request.Text.Trim();
            var preview = await rules.PreviewAsync(text, cancellationToken);
            var rule = await rules.CreateAsync(text, preview, request.Name, http.User.UserName(), cancellationToken);
            return TypedResults.Created($"/api/rules/{rule.Id}", rule);
        });

    private static async Task<Results<Ok<RuleDto>, ProblemHttpResult>> Get(Guid id, RuleStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } rule ? TypedResults.Ok(rule.Rule) : Problems.NotFound(id);

    private static async Task<Results<Ok<RuleDto>, ProblemHttpResult>> ChangeText(Guid id, RuleTextRequest request, HttpContext http, RuleStore store, RuleService rules, CancellationToken cancellationToken)
    {
        var (rule, problem) = await Problems.FindOwnAsync(id, http, store, cancellationToken);
        if (rule is null)
        {
            return problem!;
        }
        return await Problems.Guard(async () =>
        {
            var text = request.Text.Trim();
            return TypedResults.Ok(await rules.ChangeTextAsync(rule, text, await rules.PreviewAsync(text, cancellationToken), cancellationToken));
        });
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, HttpContext http, RuleStore store, RuleService rules, CancellationToken cancellationToken)
    {
        var (rule, problem) = await Problems.FindOwnAsync(id, http, store, cancellationToken);
        if (rule is null)
        {
            return problem!;
        }
        await rules.DeleteAsync(rule, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<RuleDto>, ProblemHttpResult>> Refresh(Guid id, RuleStore store, RuleService rules, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } rule
            ? await Problems.Guard(async () => TypedResults.Ok(await rules.RefreshAsync(rule, cancellationToken)))
            : Problems.NotFound(id);

    private static async Task<Results<Ok<RuleRows>, ProblemHttpResult>> Rows(
        Guid id, RuleStore store, RuleService rules, CancellationToken cancellationToken, int offset = 0, int limit = 50, string? sort = null, bool desc = false)
    {
        if (offset < 0 || limit is < 1 or > RuleLimits.MaxPageSize)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid page",
                detail: $"offset must be 0 or more and limit between 1 and {RuleLimits.MaxPageSize}.");
        }
        if (await store.GetAsync(id, cancellationToken) is not { } rule)
        {
            return Problems.NotFound(id);
        }
        return await Problems.Guard(async () => TypedResults.Ok(await rules.RowsAsync(rule, offset, limit, sort, desc, cancellationToken)));
    }

    private static async Task<IResult> Csv(Guid id, RuleStore store, RuleService rules, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } rule)
        {
            return Problems.NotFound(id);
        }
        return Results.Stream(output => rules.WriteCsvAsync(rule, output, cancellationToken), "text/csv; charset=utf-8", $"{rule.Rule.Name}.csv");
    }

    private static async Task<Ok<SchemaModelDto>> Schema(SchemaCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok(SchemaModelDto.From(await catalog.GetAsync(cancellationToken)));

    private static async Task<Ok<SchemaModelDto>> RefreshSchema(SchemaCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok(SchemaModelDto.From(await catalog.RefreshAsync(cancellationToken)));

    /// <summary>The errors of rules as problems: what was not understood (422, with suggestions), refused or failed SQL
    /// (422), a name taken (409), bad arguments (400).</summary>
    private static class Problems
    {
        public static async Task<Results<T, ProblemHttpResult>> Guard<T>(Func<Task<T>> action) where T : IResult
        {
            try
            {
                return await action();
            }
            catch (TranslationDeclinedException e)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The rule was not understood", detail: e.Message,
                    extensions: new Dictionary<string, object?> { ["suggestions"] = e.Suggestions });
            }
            catch (UnsafeQueryException e)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The rule's SQL was refused", detail: e.Message);
            }
            catch (QueryFailedException e)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The rule's SQL failed", detail: e.Message);
            }
            catch (RuleConflictException e)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Name taken", detail: e.Message);
            }
            catch (ArgumentException e)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: e.Message);
            }
        }

        /// <summary>The rule, if it exists and the caller created it; otherwise the problem to answer (404 or 403).</summary>
        public static async Task<(RuleStore.StoredRule? Rule, ProblemHttpResult? Problem)> FindOwnAsync(Guid id, HttpContext http, RuleStore store, CancellationToken cancellationToken) =>
            await store.GetAsync(id, cancellationToken) switch
            {
                null => (null, NotFound(id)),
                var rule when rule.Rule.CreatedBy != http.User.UserName() => (null, NotCreator(rule.Rule)),
                var rule => (rule, null),
            };

        public static ProblemHttpResult NotFound(Guid id) =>
            TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Rule not found", detail: $"There is no rule {id}.");

        public static ProblemHttpResult NotCreator(RuleDto rule) =>
            TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your rule", detail: $"Only {rule.CreatedBy}, who created {rule.Name}, may change or delete it.");
    }
}

/// <summary>Answers 503 while the rules database is being prepared (or keeps failing), saying why.</summary>
internal sealed class RulesReadyFilter(RulesSetupState state) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        state.IsReady ? await next(context)
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Rules are not ready",
                detail: state.LastError is { } error ? $"The rules database could not be prepared: {error}" : "The rules database is being prepared; try again in a moment.");
}
