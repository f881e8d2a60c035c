namespace Agents.Tests.Infrastructure;

public static class ResourceSnapshots
{
    /// <summary>The latest snapshot of a resource instance (by resource id), failing clearly when there is none.</summary>
    public static ResourceSnapshot Of(this DistributedApplication app, string resourceId) =>
        app.ResourceNotifications.TryGetCurrentState(resourceId, out var current)
            ? current!.Snapshot
            : throw new InvalidOperationException($"No snapshot for '{resourceId}'.");

    /// <summary>The pid of a running resource instance.</summary>
    public static int PidOf(this DistributedApplication app, string resourceId) =>
        app.Of(resourceId).Pid ?? throw new InvalidOperationException($"'{resourceId}' has no process.");

    /// <summary>Waits until every named resource is Running and Healthy.</summary>
    public static Task WaitForHealthyAsync(this DistributedApplication app, params string[] resourceNames) =>
        Task.WhenAll(resourceNames.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, TestContext.Current.CancellationToken)))
            .WithTimeout(TestTimeouts.Startup);
}
