using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace Agents.Hosting.Orchestration;

/// <summary>redis-server on the allocated loopback port with a password, memory only unless persistence is asked.</summary>
internal sealed class RedisLauncher : IResourceLauncher, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ConnectionMultiplexer>>> _probes = new();

    public Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, LaunchContext context, CancellationToken cancellationToken)
    {
        var redis = (RedisResource)instance.Resource;
        var program = Prerequisites.FindRedisServer(context.Configuration) ?? throw new DistributedApplicationException("redis-server not found.");
        var directory = Path.Combine(context.RunDirectory, redis.Name);
        Directory.CreateDirectory(directory);
        List<string> args = ["--port", redis.Port!.Value.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--requirepass", redis.Password, "--dir", directory, "--daemonize", "no", "--appendonly", "no"];
        args.AddRange(redis.Persistent ? ["--save", "60 1"] : ["--save", ""]);
        return Task.FromResult<ProcessSpec?>(new ProcessSpec(program, args, directory, LaunchContext.InheritedEnvironment()));
    }

    public async Task<string?> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        var redis = (RedisResource)instance.Resource;
        var connectionString = (await redis.GetConnectionStringAsync(cancellationToken))!;
        var probe = _probes.GetOrAdd(instance.Id, _ => new Lazy<Task<ConnectionMultiplexer>>(() =>
            ConnectionMultiplexer.ConnectAsync($"{connectionString},abortConnect=false,connectTimeout=2000")));
        try
        {
            var multiplexer = await probe.Value.WaitAsync(cancellationToken);
            await multiplexer.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            return null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return e.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var probe in _probes.Values.Where(p => p.IsValueCreated))
        {
            await (await probe.Value).DisposeAsync();
        }
    }
}
