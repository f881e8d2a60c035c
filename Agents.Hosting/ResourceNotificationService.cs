using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Agents.Hosting;

/// <summary>Publishes resource state changes and lets callers wait for a state, as Aspire's service of that name.</summary>
public sealed class ResourceNotificationService(ResourceLoggerService resourceLogs)
{
    private const int LogLinesInFailures = 40;
    private readonly ConcurrentDictionary<string, ResourceEvent> _latest = new();
    private readonly List<Channel<ResourceEvent>> _watchers = [];
    private readonly Lock _gate = new();

    /// <summary>Changes the snapshot of one instance and tells every watcher.</summary>
    public Task PublishUpdateAsync(IResource resource, string resourceId, Func<ResourceSnapshot, ResourceSnapshot> update)
    {
        ResourceEvent change;
        Channel<ResourceEvent>[] watchers;
        lock (_gate)
        {
            var previous = _latest.TryGetValue(resourceId, out var current)
                ? current.Snapshot
                : new ResourceSnapshot { ResourceType = (resource as Resource)?.ResourceType ?? resource.GetType().Name };
            change = new ResourceEvent(resource, resourceId, update(previous));
            _latest[resourceId] = change;
            watchers = [.. _watchers];
        }
        foreach (var watcher in watchers)
        {
            watcher.Writer.TryWrite(change);
        }
        return Task.CompletedTask;
    }

    /// <summary>The latest snapshot of every instance.</summary>
    public IReadOnlyList<ResourceEvent> GetCurrentSnapshots() => [.. _latest.Values.OrderBy(e => e.ResourceId, StringComparer.Ordinal)];

    /// <summary>The latest snapshot of one instance, if it has one.</summary>
    public bool TryGetCurrentState(string resourceId, out ResourceEvent? resourceEvent) => _latest.TryGetValue(resourceId, out resourceEvent);

    /// <summary>The current snapshot of every instance, then every change, until cancelled.</summary>
    public async IAsyncEnumerable<ResourceEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<ResourceEvent>(new UnboundedChannelOptions { SingleReader = true });
        ResourceEvent[] current;
        lock (_gate)
        {
            current = [.. _latest.Values];
            _watchers.Add(channel);
        }
        try
        {
            foreach (var resourceEvent in current)
            {
                yield return resourceEvent;
            }
            await foreach (var resourceEvent in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return resourceEvent;
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>Waits until every instance of the resource is in <paramref name="targetState"/>.</summary>
    public Task WaitForResourceAsync(string resourceName, string targetState, CancellationToken cancellationToken = default) =>
        WaitForAllInstancesAsync(resourceName, s => s.State == targetState, $"state {targetState}", cancellationToken);

    /// <summary>
    /// Waits until every instance of the resource is Running and Healthy. Throws at once, with the resource's
    /// last log lines, if an instance fails to start or exits first.
    /// </summary>
    public Task WaitForResourceHealthyAsync(string resourceName, CancellationToken cancellationToken = default) =>
        WaitForAllInstancesAsync(resourceName, s => s.IsRunningAndHealthy, "Running and Healthy", cancellationToken);

    private async Task WaitForAllInstancesAsync(string resourceName, Func<ResourceSnapshot, bool> reached, string description, CancellationToken cancellationToken)
    {
        var instances = new Dictionary<string, ResourceSnapshot>();
        await foreach (var change in WatchAsync(cancellationToken))
        {
            if (change.Resource.Name != resourceName)
            {
                continue;
            }
            instances[change.ResourceId] = change.Snapshot;
            if (KnownResourceStates.IsTerminal(change.Snapshot.State) && !reached(change.Snapshot))
            {
                throw new DistributedApplicationException(DescribeFailure(change, description));
            }
            var expected = (change.Resource as Resource)?.Replicas ?? 1;
            if (instances.Count >= expected && instances.Values.All(reached))
            {
                return;
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private string DescribeFailure(ResourceEvent change, string description)
    {
        var snapshot = change.Snapshot;
        var lines = resourceLogs.GetLogs(change.Resource.Name).TakeLast(LogLinesInFailures).Select(l => $"  {l.ResourceId}| {l.Content}");
        var exit = snapshot.ExitCode is { } code ? $" with exit code {code}" : "";
        var reason = snapshot.StateReason is { } why ? $": {why}" : "";
        return $"Resource '{change.ResourceId}' will not become {description}: it is {snapshot.State}{exit}{reason}.{Environment.NewLine}" +
               $"Its last log lines:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }
}
