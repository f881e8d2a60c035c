using Agents.Messaging;
using Agents.Tests.Infrastructure;

namespace Agents.Tests.Integration;

/// <summary>
/// The registry of live run workers against a real Redis: how long an answer is reused. Two registries stand for two Api
/// instances sharing the Redis.
/// </summary>
public sealed class WorkerRegistryTests(RedisServer server) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);

    /// <summary>Each test starts with no worker registered (the Redis is the class's).</summary>
    public async ValueTask InitializeAsync() => await server.Redis.GetDatabase().KeyDeleteAsync("agents:workers");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task AWorkerThatStartsElsewhereIsSeenWithinASecondAndOneThatStartsHereAtOnce()
    {
        var api = new WorkerRegistry(server.Redis, _time);
        var otherApi = new WorkerRegistry(server.Redis, _time);
        Assert.False(await api.AnyAliveAsync());
        Assert.False(await otherApi.AnyAliveAsync());

        await otherApi.RefreshAsync("worker-a", TimeSpan.FromSeconds(30));

        Assert.True(await otherApi.AnyAliveAsync());
        Assert.False(await api.AnyAliveAsync());
        _time.Advance(WorkerRegistry.ReuseAnswerFor);
        Assert.True(await api.AnyAliveAsync());
    }

    [Fact]
    public async Task AliveIsReusedForASecondThenAskedAgain()
    {
        var api = new WorkerRegistry(server.Redis, _time);
        var otherApi = new WorkerRegistry(server.Redis, _time);
        await otherApi.RefreshAsync("worker-b", TimeSpan.FromSeconds(30));
        Assert.True(await api.AnyAliveAsync());

        await otherApi.RemoveAsync("worker-b"); // the other instance's worker stops

        Assert.False(await otherApi.AnyAliveAsync()); // it knows at once
        Assert.True(await api.AnyAliveAsync()); // this one reuses its answer...
        _time.Advance(WorkerRegistry.ReuseAnswerFor);
        Assert.False(await api.AnyAliveAsync()); // ...for a second only
    }

    [Fact]
    public async Task AliveIsNeverReusedPastTheWorkersLease()
    {
        var api = new WorkerRegistry(server.Redis, _time);
        await api.RefreshAsync("worker-c", TimeSpan.FromMilliseconds(300));
        Assert.True(await api.AnyAliveAsync());

        _time.Advance(TimeSpan.FromMilliseconds(400)); // the worker missed its heartbeat

        Assert.False(await api.AnyAliveAsync());
    }
}
