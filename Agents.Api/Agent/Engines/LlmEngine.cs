using System.Text;
using Agents.Api.Agent.Runtime;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace Agents.Api.Agent.Engines;

/// <summary>
/// The engine backed by an OpenAI-compatible model through Semantic Kernel. Replies stream as llm_token deltas (batched,
/// never the whole text again); when the model calls tools instead, its calls become the steps of a plan, which the
/// runtime executes with the same approvals and filter as any other plan.
/// </summary>
public sealed class LlmEngine(IOptions<LlmOptions> options, AgentKernelFactory kernels, IHttpClientFactory httpClients) : IAgentEngine
{
    private static readonly Lazy<string> SystemPrompt = new(() =>
    {
        using var stream = typeof(LlmEngine).Assembly.GetManifestResourceStream("Agents.Api.Agent.Engines.SystemPrompt.md")!;
        return new StreamReader(stream).ReadToEnd();
    });

    public const string HttpClientName = "llm";

    public string Model => options.Value.Model;

    public async Task<AgentDecision> DecideAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        var llm = options.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(llm.Timeout);
        await turn.EmitAsync(EventTypes.LlmStatus, new LlmStatusPayload(turn.RunId, "generating", llm.Model));

        var kernel = kernels.CreateForModel(turn.ThreadId, builder =>
#pragma warning disable SKEXP0010 // a custom endpoint is what makes any OpenAI-compatible server usable
            builder.AddOpenAIChatCompletion(llm.Model, new Uri(llm.Endpoint!), llm.ApiKey ?? "unused", httpClient: httpClients.CreateClient(HttpClientName)));
#pragma warning restore SKEXP0010
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory(SystemPrompt.Value);
        history.AddUserMessage($"{turn.Author}: {turn.Text}");
        var settings = new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto(autoInvoke: false) };

        var calls = new FunctionCallContentBuilder();
        var text = new StringBuilder();
        var batch = new TokenBatcher(turn, llm);
        try
        {
            await foreach (var update in chat.GetStreamingChatMessageContentsAsync(history, settings, kernel, timeout.Token))
            {
                calls.Append(update);
                if (!string.IsNullOrEmpty(update.Content))
                {
                    text.Append(update.Content);
                    await batch.AddAsync(update.Content);
                }
            }
            await batch.FlushAsync();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ModelUnavailableException($"The model did not finish within {llm.Timeout.TotalSeconds:0.#} s.");
        }
        catch (Exception e) when (e is HttpRequestException or HttpOperationException or System.ClientModel.ClientResultException)
        {
            throw new ModelUnavailableException($"The model at {llm.Endpoint} failed: {e.Message}", e);
        }

        var toolCalls = calls.Build();
        await turn.EmitAsync(EventTypes.LlmStatus, new LlmStatusPayload(turn.RunId, "ready", llm.Model));
        if (toolCalls.Count == 0)
        {
            return new ReplyDecision(text.ToString(), Streamed: true);
        }
        var steps = toolCalls.Select((call, i) => new PlanStep
        {
            Number = i + 1,
            Action = $"{call.PluginName}.{call.FunctionName}",
            Plugin = call.PluginName ?? "",
            Function = call.FunctionName,
            Arguments = (call.Arguments ?? []).ToDictionary(a => a.Key, a => a.Value?.ToString() ?? ""),
        }).ToList();
        return new PlanDecision(turn.Text, steps);
    }

    /// <summary>Gathers tokens into pieces of a few characters or milliseconds, so a reply is not one event per token.</summary>
    private sealed class TokenBatcher(AgentTurn turn, LlmOptions llm)
    {
        private readonly StringBuilder _pending = new();
        private long _lastFlush = Stopwatch.GetTimestamp();
        private int _index;

        public async Task AddAsync(string token)
        {
            _pending.Append(token);
            if (_pending.Length >= llm.TokenBatchCharacters || Stopwatch.GetElapsedTime(_lastFlush) >= llm.TokenBatchInterval)
            {
                await FlushAsync();
            }
        }

        public async Task FlushAsync()
        {
            if (_pending.Length == 0)
            {
                return;
            }
            var delta = _pending.ToString();
            _pending.Clear();
            _lastFlush = Stopwatch.GetTimestamp();
            await turn.EmitAsync(EventTypes.LlmToken, new LlmTokenPayload(turn.RunId, _index++, delta));
        }
    }
}
