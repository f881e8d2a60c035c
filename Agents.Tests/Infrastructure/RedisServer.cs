using StackExchange.Redis;

namespace Agents.Tests.Infrastructure;

/// <summary>A real Redis of a test class's own (a class fixture), started by the Hosting orchestrator, and a client of it.</summary>
public sealed class RedisServer : IAsyncLifetime
{
    private const string Name = "test-cache";
    private DistributedApplication? _app;
    private ConnectionMultiplexer? _redis;

    public ConnectionMultiplexer Redis => _redis ?? throw new InvalidOperationException("The Redis server has not started.");

    public async ValueTask InitializeAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedis(Name);
        _app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await _app.StartAsync(TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync(Name, TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup);
        _redis = await ConnectionMultiplexer.ConnectAsync((await _app.GetConnectionStringAsync(Name, TestContext.Current.CancellationToken))!);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
