using Agents.Api.Rules.Registry;
using Agents.Api.Agent.Tools;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace Agents.Api.Agent.Runtime;

/// <summary>A Semantic Kernel per run: the agent's plugins, and the filter that watches every tool call.</summary>
public sealed class AgentKernelFactory(CommandRunner commands, NpgsqlDataSource dataSource, IServiceProvider services, IOptions<AgentOptions> options, ILoggerFactory loggers)
{
    /// <summary>The kernel that executes a plan's steps: every tool call goes through the filter.</summary>
    public Kernel Create(Guid threadId, RunContext run)
    {
        var builder = Builder(threadId, run);
        builder.Services.AddSingleton<IFunctionInvocationFilter>(new ToolInvocationFilter(run, options.Value));
        return builder.Build();
    }

    /// <summary>The kernel a model plans with: the same plugins (their schemas become the model's tools) and the chat service.</summary>
    public Kernel CreateForModel(Guid threadId, Action<IKernelBuilder> addChatCompletion)
    {
        var builder = Builder(threadId, run: null);
        addChatCompletion(builder);
        return builder.Build();
    }

    private IKernelBuilder Builder(Guid threadId, RunContext? run)
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(loggers);
        builder.Plugins.AddFromObject(new CommandsPlugin(commands), "commands");
        builder.Plugins.AddFromObject(new ThreadsPlugin(dataSource, threadId), "threads");
        builder.Plugins.AddFromObject(ActivatorUtilities.CreateInstance<DataPlugin>(services), "data");
        builder.Plugins.AddFromObject(new RulesPlugin(services.GetRequiredService<RuleService>(), services.GetRequiredService<RuleStore>(), run), "rules");
        return builder;
    }
}
