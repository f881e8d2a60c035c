using System.Text.RegularExpressions;
using Agents.Api.Rules.Safety;
using Agents.Api.Rules.Schema;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace Agents.Api.Rules.Translation;

/// <summary>
/// The model's translator: a Semantic Kernel chat prompt with the schema context that must answer SQL only. When the
/// SQL fails (the guard refuses it, or the database rejects it) the error goes back to the model, at most twice.
/// </summary>
public sealed partial class LlmTranslator(IOptions<LlmOptions> llmOptions, IOptions<RulesOptions> rulesOptions, SchemaCatalog catalog, IHttpClientFactory httpClients) : IRuleTranslator
{
    public const int MaxRepairs = 2;

    public string Name => $"llm:{llmOptions.Value.Model}";

    public async Task<TranslatedQuery> TranslateAsync(string text, Func<TranslatedQuery, Task> validate, CancellationToken cancellationToken)
    {
        var llm = llmOptions.Value;
        var schema = await catalog.GetAsync(cancellationToken);
        var kernelBuilder = Kernel.CreateBuilder();
#pragma warning disable SKEXP0010 // a custom endpoint is what makes any OpenAI-compatible server usable
        kernelBuilder.AddOpenAIChatCompletion(llm.Model, new Uri(llm.Endpoint!), llm.ApiKey ?? "unused", httpClient: httpClients.CreateClient(LlmEngine.HttpClientName));
#pragma warning restore SKEXP0010
        var chat = kernelBuilder.Build().GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory(Prompt(schema));
        history.AddUserMessage(text);
        var settings = new OpenAIPromptExecutionSettings { Temperature = 0 };

        for (var attempt = 0; ; attempt++)
        {
            string sql;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(llm.Timeout);
                try
                {
                    var answer = await chat.GetChatMessageContentAsync(history, settings, cancellationToken: timeout.Token);
                    sql = Unfence(answer.Content ?? "");
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new ModelUnavailableException($"The model did not answer within {llm.Timeout.TotalSeconds:0.#} s.");
                }
                catch (Exception e) when (e is HttpRequestException or HttpOperationException or System.ClientModel.ClientResultException)
                {
                    throw new ModelUnavailableException($"The model at {llm.Endpoint} failed: {e.Message}", e);
                }
            }
            history.AddAssistantMessage(sql);
            var query = new TranslatedQuery(sql, [], RuleNames.FromText(text), Name, $"SQL written by {llm.Model}");
            try
            {
                await validate(query);
                return query;
            }
            catch (Exception e) when (e is UnsafeQueryException or QueryFailedException && attempt < MaxRepairs)
            {
                history.AddUserMessage($"That SQL failed: {e.Message}\nAnswer with the corrected SQL only.");
            }
        }
    }

    private string Prompt(SchemaModel schema) => $"""
        You translate a person's request into one PostgreSQL query.
        Answer with the SQL only: no explanation, no code fences, no comments, no semicolon.
        It must be a single SELECT (WITH ... SELECT allowed) that only reads these tables, written schema-qualified:
        {schema.Describe()}
        Only these schemas may be read: {string.Join(", ", rulesOptions.Value.Schemas)}. Never use system catalogs or functions
        that change settings, sleep, lock or write. Prefer returning all columns of the main table for questions about rows.
        """;

    private static string Unfence(string answer)
    {
        var fenced = Fence().Match(answer);
        return (fenced.Success ? fenced.Groups["sql"].Value : answer).Trim().TrimEnd(';').Trim();
    }

    [GeneratedRegex(@"```(?:sql)?\s*(?<sql>.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Fence();
}

/// <summary>The model's translator when a model is configured (the built-in one takes over if the model is
/// unavailable), otherwise the built-in grammar.</summary>
public sealed partial class RuleTranslators(BuiltInTranslator builtIn, LlmTranslator llm, IOptions<LlmOptions> llmOptions, ILogger<RuleTranslators> logger)
{
    public async Task<TranslatedQuery> TranslateAsync(string text, Func<TranslatedQuery, Task> validate, CancellationToken cancellationToken)
    {
        if (!llmOptions.Value.IsConfigured)
        {
            return await builtIn.TranslateAsync(text, validate, cancellationToken);
        }
        try
        {
            return await llm.TranslateAsync(text, validate, cancellationToken);
        }
        catch (ModelUnavailableException e)
        {
            LogFallback(e.Message);
            return await builtIn.TranslateAsync(text, validate, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model could not translate a rule ({Reason}); the built-in grammar does")]
    private partial void LogFallback(string reason);
}
