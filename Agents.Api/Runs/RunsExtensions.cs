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
        builder.Services.AddSingleton<IAgentEngine, BuiltInEngine>();
        builder.Services.AddSingleton<AgentKernelFactory>();
        builder.Services.AddSingleton<RunStore>();
        builder.Services.AddSingleton<RunExecutor>();
        builder.Services.AddHostedService<RunWorker>();
        return builder;
    }
}
