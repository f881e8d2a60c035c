using Agents.Api.Agent.Tools;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace Agents.Api.Agent.Runtime;

/// <summary>A Semantic Kernel per run: the agent's plugins, and the filter that watches every tool call.</summary>
public sealed class AgentKernelFactory(CommandRunner commands, NpgsqlDataSource dataSource, IOptions<AgentOptions> options, ILoggerFactory loggers)
{
    public Kernel Create(Guid threadId, RunContext run)
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<IFunctionInvocationFilter>(new ToolInvocationFilter(run, options.Value));
        builder.Plugins.AddFromObject(new CommandsPlugin(commands), "commands");
        builder.Plugins.AddFromObject(new ThreadsPlugin(dataSource, threadId), "threads");
        return builder.Build();
    }
}
