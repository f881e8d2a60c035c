using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Agents.Tests.Infrastructure;

/// <summary>
/// A tiny OpenAI-compatible server on loopback for the LLM path: POST /v1/chat/completions with stream=true answers
/// server-sent chunks. What it does depends on the last user message: "hang" never answers, "slowly" streams a long
/// reply at 10 tokens a second, "plan:" calls the commands.run tool, "rule:" calls the rules.create tool with the rest of
/// the message, anything else streams a fixed reply token by token. A request of the rules translator (not streamed)
/// is answered with the next of <see cref="SqlAnswers"/>.
/// </summary>
public sealed class OpenAiStub : IAsyncDisposable
{
    public const string Reply = "Hello from the stub model, streamed in pieces.";
    public const string ToolArguments = "from the model";
    private readonly WebApplication _app;

    private OpenAiStub(WebApplication app) => _app = app;

    /// <summary>Requests whose client hung up before the answer was complete.</summary>
    public int Aborted => _aborted;

    private int _aborted;

    /// <summary>What the translator requests are answered with, in order ("SELECT 1" when empty).</summary>
    public ConcurrentQueue<string> SqlAnswers { get; } = new();

    /// <summary>The translator requests received, in order.</summary>
    public ConcurrentQueue<JsonNode> TranslatorRequests { get; } = new();

    /// <summary>Every request body received, in order.</summary>
    public ConcurrentQueue<JsonNode> Requests { get; } = new();

    public Uri Endpoint => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/v1");

    public static async Task<OpenAiStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stub = new OpenAiStub(app);
        app.MapPost("/v1/chat/completions", stub.CompleteAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return stub;
    }

    private async Task CompleteAsync(HttpContext http)
    {
        var body = (await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted))!;
        Requests.Enqueue(body);
        var said = body["messages"]!.AsArray().Last(m => m!["role"]!.GetValue<string>() == "user")!["content"]!.ToString();
        if (body["stream"]?.GetValue<bool>() != true)
        {
            TranslatorRequests.Enqueue(body);
            await AnswerAsync(http, SqlAnswers.TryDequeue(out var sql) ? sql : "SELECT 1");
            return;
        }
        http.Response.ContentType = "text/event-stream";
        if (said.Contains("hang", StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.Infinite, http.RequestAborted);
            return;
        }
        await ChunkAsync(http, new JsonObject { ["role"] = "assistant", ["content"] = "" });
        if (said.Contains("slowly", StringComparison.Ordinal))
        {
            try
            {
                for (var i = 0; i < 50; i++)
                {
                    await ChunkAsync(http, new JsonObject { ["content"] = $"word{i} " });
                    await Task.Delay(100, http.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _aborted);
                return;
            }
            await ChunkAsync(http, new JsonObject(), finishReason: "stop");
        }
        else if (said.Contains("plan:", StringComparison.Ordinal))
        {
            await ChunkAsync(http, ToolCall(new JsonObject { ["name"] = "commands-run", ["arguments"] = "" }, id: "call_1"));
            await ChunkAsync(http, ToolCall(new JsonObject { ["arguments"] = "{\"command\":\"echo\"," }));
            await ChunkAsync(http, ToolCall(new JsonObject { ["arguments"] = $"\"arguments\":\"{ToolArguments}\"}}" }));
            await ChunkAsync(http, new JsonObject(), finishReason: "tool_calls");
        }
        else if (said.Contains("rule:", StringComparison.Ordinal))
        {
            var text = said[(said.IndexOf("rule:", StringComparison.Ordinal) + 5)..].Trim();
            await ChunkAsync(http, ToolCall(new JsonObject { ["name"] = "rules-create", ["arguments"] = "" }, id: "call_1"));
            await ChunkAsync(http, ToolCall(new JsonObject { ["arguments"] = new JsonObject { ["text"] = text }.ToJsonString() }));
            await ChunkAsync(http, new JsonObject(), finishReason: "tool_calls");
        }
        else
        {
            foreach (var token in Reply.Split(' ').Select((word, i) => i == 0 ? word : " " + word))
            {
                await ChunkAsync(http, new JsonObject { ["content"] = token });
                await Task.Delay(15, http.RequestAborted);
            }
            await ChunkAsync(http, new JsonObject(), finishReason: "stop");
        }
        await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
    }

    private static async Task AnswerAsync(HttpContext http, string content)
    {
        var completion = new JsonObject
        {
            ["id"] = "chatcmpl-stub",
            ["object"] = "chat.completion",
            ["created"] = 1_760_000_000,
            ["model"] = "stub-model",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 10, ["total_tokens"] = 20 },
        };
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(completion.ToJsonString(), http.RequestAborted);
    }

    private static JsonObject ToolCall(JsonObject function, string? id = null)
    {
        var call = new JsonObject { ["index"] = 0, ["function"] = function };
        if (id is not null)
        {
            call["id"] = id;
            call["type"] = "function";
        }
        return new JsonObject { ["tool_calls"] = new JsonArray(call) };
    }

    private static async Task ChunkAsync(HttpContext http, JsonObject delta, string? finishReason = null)
    {
        var chunk = new JsonObject
        {
            ["id"] = "chatcmpl-stub",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_760_000_000,
            ["model"] = "stub-model",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };
        await http.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
