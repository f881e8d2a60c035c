using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

using Agents.Api.Agent.Runtime;
using Agents.Api.Agent.Tools;

namespace Agents.Api.Runs;

public static class RunsExtensions
{
    /// <summary>The agent: its options, engine, tools, kernel factory, and the workers that execute runs.</summary>
    public static IHostApplicationBuilder AddRuns(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<CommandOptions>().BindConfiguration(CommandOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CommandRunner>();
        builder.Services.AddSingleton<BuiltInPlanner>();
        builder.Services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BuiltInEngine>();
        builder.Services.AddSingleton<LlmEngine>();
        // No model configured: the built-in engine. A model: the LLM engine (no fallback that would hide a broken setup).
        builder.Services.AddSingleton<IAgentEngine>(sp => sp.GetRequiredService<IOptions<LlmOptions>>().Value.IsConfigured
            ? sp.GetRequiredService<LlmEngine>()
            : sp.GetRequiredService<BuiltInEngine>());
        // The model's own timeout applies; retries of a streamed completion would repeat tokens people already saw.
#pragma warning disable EXTEXP0001 // the only way to opt one client out of the defaults' resilience handler
        builder.Services.AddHttpClient(LlmEngine.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton<AgentKernelFactory>();
        builder.Services.AddSingleton<RunStore>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<WorkerRegistry>(); // the workers' heartbeats (the message store reads them too)
        builder.Services.AddSingleton<RunExecutor>();
        builder.Services.AddHostedService<RunWorker>();
        return builder;
    }
}
