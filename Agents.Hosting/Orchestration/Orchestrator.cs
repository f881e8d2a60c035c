using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Agents.Hosting.Orchestration;

/// <summary>
/// Starts every resource of the model in dependency order (honouring WaitFor), watches processes and health,
/// and stops everything in reverse order, leaving no process or data behind.
/// </summary>
internal sealed partial class Orchestrator(
    ApplicationModel model,
    DistributedApplicationOptions options,
    IConfiguration configuration,
    IHostEnvironment environment,
    ResourceNotificationService notifications,
    ResourceLoggerService logs,
    Dashboard.DashboardSettings dashboard,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(5);
    private readonly ILogger _logger = loggerFactory.CreateLogger("Agents.Hosting.Orchestrator");
    private readonly ResourceLineLogger _resourceLines = new(loggerFactory.CreateLogger(ResourceLogCategory));

    /// <summary>Under the testing builder, resource console lines are logged in this category (tests show them).</summary>
    public const string ResourceLogCategory = "Agents.Hosting.Resources";
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _healthClient = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly RedisLauncher _redisLauncher = new();
    private readonly PostgresProbes _postgresProbes = new();
    private readonly List<ResourceInstance> _instances = [];
    private readonly Stopwatch _sinceStart = new();
    private IReadOnlyList<IResource> _startOrder = [];
    private LaunchContext? _context;
    private int _stopped;

    /// <summary>The folder that holds this run's data (Postgres cluster, Redis files); removed at stop.</summary>
    public string? RunDirectory { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sinceStart.Start();
        var problems = Prerequisites.Check(model.Resources, configuration);
        if (problems.Count > 0)
        {
            throw new DistributedApplicationException(
                $"The app cannot start:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Select(p => $"  - {p}"))}");
        }
        _startOrder = ApplicationModel.TopologicalOrder(model.Resources);
        StaleRunCleaner.CleanUp(_logger);

        RunDirectory = Path.Combine(Path.GetTempPath(), $"{StaleRunCleaner.FolderPrefix}{Guid.NewGuid():N}"[..(StaleRunCleaner.FolderPrefix.Length + 8)]);
        // Readable by others: the postgres user must reach its data folder inside.
        RunFolders.Create(RunDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        StaleRunCleaner.RecordOwner(RunDirectory);
        _context = new LaunchContext(RunDirectory, configuration, environment, OnResourceLine, dashboard);

        AllocatePorts();
        foreach (var resource in _startOrder.OfType<Resource>())
        {
            for (var replica = 0; replica < resource.Replicas; replica++)
            {
                var instance = new ResourceInstance(resource, replica);
                _instances.Add(instance);
                Publish(instance, s => s with
                {
                    State = KnownResourceStates.NotStarted,
                    Urls = instance.HttpPort is { } port ? [$"http://{(resource.HttpEndpoint!.IsExternal ? "localhost" : "127.0.0.1")}:{port}"] : [],
                });
            }
        }
        foreach (var instance in _instances)
        {
            instance.Run = Task.Run(() => RunInstanceAsync(instance), CancellationToken.None);
        }
        if (!options.IsTesting)
        {
            _ = Task.Run(ReportWhenReadyAsync, CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        // Dependents first: the reverse of the start order.
        foreach (var resource in _startOrder.Reverse())
        {
            var instances = _instances.Where(i => i.Resource == resource).ToArray();
            await Task.WhenAll(instances.Select(StopInstanceAsync));
        }
        await Task.WhenAll(_instances.Select(i => i.Run)).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _redisLauncher.DisposeAsync();
        await _postgresProbes.DisposeAsync();
        DeleteRunDirectory();
    }

    /// <summary>Stops one instance (a resource or one replica), as a person or a test would from the dashboard.</summary>
    public async Task StopInstanceAsync(string resourceId)
    {
        var instance = FindInstance(resourceId);
        await StopInstanceAsync(instance);
        await instance.Run.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Starts a stopped or exited instance again, on the same port with the same environment.</summary>
    public async Task StartInstanceAsync(string resourceId)
    {
        var instance = FindInstance(resourceId);
        if (!KnownResourceStates.IsTerminal(CurrentState(instance)))
        {
            throw new DistributedApplicationException($"'{resourceId}' is {CurrentState(instance)}; stop it first.");
        }
        await instance.Run.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (instance.Gate)
        {
            instance.Process = null;
            instance.Stopping = false;
            instance.Lifetime = new CancellationTokenSource();
        }
        Publish(instance, s => s with { State = KnownResourceStates.NotStarted, Restarts = s.Restarts + 1, ExitCode = null, StateReason = null });
        instance.Run = Task.Run(() => RunInstanceAsync(instance), CancellationToken.None);
    }

    private ResourceInstance FindInstance(string resourceId) =>
        _instances.FirstOrDefault(i => i.Id == resourceId)
        ?? throw new DistributedApplicationException($"No resource instance '{resourceId}'; there are: {string.Join(", ", _instances.Select(i => i.Id))}.");

    private void AllocatePorts()
    {
        var ports = new PortAllocator();
        foreach (var resource in _startOrder)
        {
            switch (resource)
            {
                case PostgresServerResource postgres:
                    postgres.Port = ports.GetFreePort();
                    break;
                case RedisResource redis:
                    redis.Port = ports.GetFreePort();
                    break;
            }
            if (resource is Resource { HttpEndpoint: { } endpoint } withEndpoint)
            {
                endpoint.AllocatedPorts = Enumerable.Range(0, withEndpoint.Replicas)
                    .Select(replica => endpoint.Port is { } fixedPort && replica == 0 && !options.RandomizePorts
                        ? ports.Reserve(fixedPort, resource.Name)
                        : ports.GetFreePort())
                    .ToArray();
            }
        }
    }

    private IResourceLauncher LauncherFor(Resource resource) => resource switch
    {
        PostgresServerResource => new PostgresLauncher(_postgresProbes),
        PostgresDatabaseResource => new PostgresDatabaseLauncher(_postgresProbes),
        RedisResource => _redisLauncher,
        ProjectResource => new ProjectLauncher(_healthClient),
        ExecutableResource => new ExecutableLauncher(_healthClient),
        ConnectionStringResource or ParameterResource => new NothingToStartLauncher(),
        _ => throw new DistributedApplicationException($"No launcher for resource type {resource.GetType().Name}."),
    };

    private async Task RunInstanceAsync(ResourceInstance instance)
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, instance.Lifetime.Token);
        var cancellationToken = lifetime.Token;
        var resource = instance.Resource;
        try
        {
            var dependencies = ApplicationModel.DependenciesOf(resource).Where(d => resource.WaitsFor.Contains(d) || d is PostgresServerResource && resource is PostgresDatabaseResource).Distinct().ToArray();
            if (dependencies.Length > 0)
            {
                Publish(instance, s => s with { State = KnownResourceStates.Waiting });
                foreach (var dependency in dependencies)
                {
                    try
                    {
                        await notifications.WaitForResourceHealthyAsync(dependency.Name, cancellationToken);
                    }
                    catch (DistributedApplicationException)
                    {
                        Fail(instance, $"it waits for '{dependency.Name}', which failed");
                        return;
                    }
                }
            }

            Publish(instance, s => s with { State = KnownResourceStates.Starting });
            var launcher = LauncherFor(resource);
            ProcessSpec? spec;
            try
            {
                spec = await launcher.PrepareAsync(instance, _context!, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Fail(instance, e.Message);
                return;
            }

            if (spec is not null && !StartProcess(instance, spec))
            {
                return;
            }
            Publish(instance, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTimeOffset.UtcNow, Pid = instance.Process?.Pid });
            await MonitorHealthAsync(instance, launcher, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private bool StartProcess(ResourceInstance instance, ProcessSpec spec)
    {
        try
        {
            lock (instance.Gate)
            {
                if (instance.Stopping || instance.Lifetime.IsCancellationRequested || _stopping.IsCancellationRequested)
                {
                    return false; // stopped while it was being prepared: start nothing that nobody would stop
                }
                instance.Process = ManagedProcess.Start(spec, (line, isError) => OnResourceLine(instance, line, isError));
            }
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Fail(instance, $"could not start {spec.FileName}: {e.Message}");
            return false;
        }
        LogStarted(instance.Id, instance.Process.Pid, spec.CommandLine);
        var process = instance.Process;
        _ = process.Exited.ContinueWith(exit => OnExited(instance, process, exit.Result), TaskScheduler.Default);
        return true;
    }

    private async Task MonitorHealthAsync(ResourceInstance instance, IResourceLauncher launcher, CancellationToken cancellationToken)
    {
        // Poll quickly until the first healthy answer, so dependents start as soon as possible, then slowly.
        string? lastReason = "not checked yet";
        while (!cancellationToken.IsCancellationRequested)
        {
            var reason = await launcher.CheckHealthAsync(instance, cancellationToken);
            if (cancellationToken.IsCancellationRequested || instance.Stopping || instance.Process?.Exited.IsCompleted == true)
            {
                return;
            }
            if (reason != lastReason)
            {
                Publish(instance, s => s with { Health = reason is null ? ResourceHealth.Healthy : ResourceHealth.Unhealthy, StateReason = reason });
                LogHealth(instance.Id, reason ?? "healthy");
                lastReason = reason;
            }
            await Task.Delay(reason is null ? TimeSpan.FromSeconds(5) : TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private void OnExited(ResourceInstance instance, ManagedProcess process, int exitCode)
    {
        CancellationTokenSource lifetime;
        // Checked and published under the gate that stop and start take: a process killed just before a restart
        // command must not mark the new process exited, nor cancel the new lifetime (its health checks) afterwards.
        lock (instance.Gate)
        {
            if (!ReferenceEquals(instance.Process, process) || instance.Stopping)
            {
                return; // an earlier process of a restarted instance, or a stop that publishes its own outcome
            }
            PublishExited(instance, exitCode, _stopping.IsCancellationRequested ? "stopped" : $"the process exited with code {exitCode}");
            if (_stopping.IsCancellationRequested)
            {
                return;
            }
            lifetime = instance.Lifetime;
        }
        LogUnexpectedExit(instance.Id, exitCode);
        lifetime.Cancel();
    }

    private void PublishExited(ResourceInstance instance, int exitCode, string reason) =>
        Publish(instance, s => s with
        {
            State = exitCode == 0 ? KnownResourceStates.Finished : KnownResourceStates.Exited,
            ExitCode = exitCode,
            Health = null,
            Pid = null,
            StopTimeStamp = DateTimeOffset.UtcNow,
            StateReason = reason,
        });

    private async Task StopInstanceAsync(ResourceInstance instance)
    {
        ManagedProcess? started;
        lock (instance.Gate)
        {
            instance.Stopping = true;
            started = instance.Process;
        }
        await instance.Lifetime.CancelAsync();
        if (started is not { } process)
        {
            if (!KnownResourceStates.IsTerminal(CurrentState(instance)))
            {
                Publish(instance, s => s with { State = KnownResourceStates.Finished, Health = null, StateReason = "stopped" });
            }
            return;
        }
        if (!process.Exited.IsCompleted)
        {
            Publish(instance, s => s with { State = KnownResourceStates.Stopping });
        }
        var signal = instance.Resource is PostgresServerResource ? UnixSignals.Int : UnixSignals.Term;
        try
        {
            var exitCode = await process.StopAsync(StopGracePeriod, signal);
            PublishExited(instance, exitCode, "stopped");
        }
        catch (TimeoutException)
        {
            LogCouldNotStop(instance.Id, process.Pid);
        }
        process.Dispose();
    }

    private string? CurrentState(ResourceInstance instance) =>
        notifications.TryGetCurrentState(instance.Id, out var current) ? current!.Snapshot.State : null;

    private void Fail(ResourceInstance instance, string reason)
    {
        LogFailedToStart(instance.Id, reason);
        OnResourceLine(instance, $"Failed to start: {reason}", true);
        Publish(instance, s => s with { State = KnownResourceStates.FailedToStart, StateReason = reason, Health = null });
    }

    private void Publish(ResourceInstance instance, Func<ResourceSnapshot, ResourceSnapshot> update) =>
        notifications.PublishUpdateAsync(instance.Resource, instance.Id, s => update(s) with
        {
            Properties = s.Properties.SetItem("replica", instance.ReplicaIndex.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .SetItems(RunDirectory is { } dir && instance.Resource is PostgresServerResource or RedisResource
                    ? [new KeyValuePair<string, string>("dataDirectory", Path.Combine(dir, instance.Resource.Name))]
                    : ImmutableDictionary<string, string>.Empty),
        });

    private void OnResourceLine(ResourceInstance instance, string line, bool isError)
    {
        logs.Append(instance.Resource.Name, instance.Id, line, isError);
        if (options.IsTesting)
        {
            _resourceLines.Write(instance.Id, line);
        }
        else if (options.ForwardResourceLogsToConsole)
        {
            Console.Out.WriteLine($"{instance.Id,-12}| {line}");
        }
    }

    private async Task ReportWhenReadyAsync()
    {
        try
        {
            await Task.WhenAll(_startOrder.Select(r => notifications.WaitForResourceHealthyAsync(r.Name, _stopping.Token)));
            var external = _startOrder.OfType<Resource>().Where(r => r.HttpEndpoint is { IsExternal: true })
                .SelectMany(r => r.HttpEndpoint!.Urls.Select(u => $"{r.Name}: {u}"));
            if (dashboard.LoginUrl is { } login)
            {
                external = external.Append($"dashboard: {login}");
            }
            LogReady(_sinceStart.Elapsed.TotalSeconds, string.Join(", ", external));
        }
        catch (DistributedApplicationException e)
        {
            LogNotReady(e.Message);
        }
        catch (OperationCanceledException)
        {
            // Stopped before everything was up.
        }
    }

    private void DeleteRunDirectory()
    {
        if (RunDirectory is null || !Directory.Exists(RunDirectory))
        {
            return;
        }
        try
        {
            Directory.Delete(RunDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCouldNotDelete(RunDirectory, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _healthClient.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{ResourceId} started as pid {Pid}: {CommandLine}")]
    private partial void LogStarted(string resourceId, int pid, string commandLine);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{ResourceId} health: {Health}")]
    private partial void LogHealth(string resourceId, string health);

    [LoggerMessage(Level = LogLevel.Error, Message = "{ResourceId} failed to start: {Reason}")]
    private partial void LogFailedToStart(string resourceId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{ResourceId} exited unexpectedly with code {ExitCode}")]
    private partial void LogUnexpectedExit(string resourceId, int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ResourceId} (pid {Pid}) did not stop in time")]
    private partial void LogCouldNotStop(string resourceId, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the run folder {RunDirectory}: {Reason}")]
    private partial void LogCouldNotDelete(string runDirectory, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "All resources are running and healthy after {Seconds:F1} s. Open {Urls}")]
    private partial void LogReady(double seconds, string urls);

    [LoggerMessage(Level = LogLevel.Error, Message = "The app is not fully up: {Reason}")]
    private partial void LogNotReady(string reason);

    private sealed partial class ResourceLineLogger(ILogger logger)
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "{ResourceId}| {Line}")]
        public partial void Write(string resourceId, string line);
    }
}
