using Agents.Hosting.Orchestration;

namespace Agents.Hosting;

/// <summary>The commands every process resource has, named as Aspire's.</summary>
public static class KnownResourceCommands
{
    public const string StartCommand = "resource-start";
    public const string StopCommand = "resource-stop";
    public const string RestartCommand = "resource-restart";
}

/// <summary>What a command did.</summary>
public sealed record ExecuteCommandResult(bool Success, string? ErrorMessage = null);

/// <summary>Runs a resource command (start, stop, restart) on one instance, as Aspire's service of that name.</summary>
public sealed class ResourceCommandService
{
    private readonly Orchestrator _orchestrator;

    internal ResourceCommandService(Orchestrator orchestrator) => _orchestrator = orchestrator;

    /// <summary>Runs <paramref name="commandName"/> (see <see cref="KnownResourceCommands"/>) on the instance <paramref name="resourceId"/>.</summary>
    public async Task<ExecuteCommandResult> ExecuteCommandAsync(string resourceId, string commandName, CancellationToken cancellationToken = default)
    {
        try
        {
            switch (commandName)
            {
                case KnownResourceCommands.StopCommand:
                    await _orchestrator.StopInstanceAsync(resourceId).WaitAsync(cancellationToken);
                    break;
                case KnownResourceCommands.StartCommand:
                    await _orchestrator.StartInstanceAsync(resourceId).WaitAsync(cancellationToken);
                    break;
                case KnownResourceCommands.RestartCommand:
                    await _orchestrator.StopInstanceAsync(resourceId).WaitAsync(cancellationToken);
                    await _orchestrator.StartInstanceAsync(resourceId).WaitAsync(cancellationToken);
                    break;
                default:
                    return new ExecuteCommandResult(false, $"Unknown command '{commandName}'.");
            }
            return new ExecuteCommandResult(true);
        }
        catch (DistributedApplicationException e)
        {
            return new ExecuteCommandResult(false, e.Message);
        }
    }
}
