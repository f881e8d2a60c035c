namespace Agents.Tests.Unit;

public sealed class ApplicationModelTests
{
    [Fact]
    public void StartOrderPutsDependenciesBeforeDependents()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var db = builder.AddPostgres("postgres").AddDatabase("agentsdb");
        var cache = builder.AddRedis("cache");
        var api = builder.AddProject<Projects.Agents_Api>("api").WithReference(db).WaitFor(db).WaitFor(cache);
        builder.AddProject<Projects.Agents_Web>("web").WithReference(api).WaitFor(api);

        var order = ApplicationModel.TopologicalOrder(builder.Resources.Reverse()).Select(r => r.Name).ToList();

        Assert.True(order.IndexOf("postgres") < order.IndexOf("agentsdb"));
        Assert.True(order.IndexOf("agentsdb") < order.IndexOf("api"));
        Assert.True(order.IndexOf("cache") < order.IndexOf("api"));
        Assert.True(order.IndexOf("api") < order.IndexOf("web"));
    }

    [Fact]
    public void ACycleIsRefusedWithThePathInTheMessage()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var a = builder.AddProject<Projects.Agents_Api>("a");
        var b = builder.AddProject<Projects.Agents_Realtime>("b").WaitFor(a);
        a.WaitFor(b);

        var error = Assert.Throws<DistributedApplicationException>(() => builder.Build());

        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
        Assert.Contains("a -> b -> a", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Api")]
    [InlineData("my_api")]
    [InlineData("1api")]
    [InlineData("")]
    public void ResourceNamesMustBeLowercaseDnsLabels(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => DistributedApplicationTestingBuilder.Create().AddRedis(name));

    [Fact]
    public void TwoResourcesCannotShareAName()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedis("cache");
        Assert.Throws<DistributedApplicationException>(() => builder.AddRedis("cache"));
    }

    [Fact]
    public void AProjectTakesItsPortFromItsLaunchProfile()
    {
        var web = DistributedApplicationTestingBuilder.Create().AddProject<Projects.Agents_Web>("web");
        Assert.Equal(5080, web.Resource.HttpEndpoint?.Port);
    }

    [Fact]
    public async Task ReferencesBecomeConnectionStringsAndOneServiceEntryPerReplica()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var db = builder.AddPostgres("postgres").AddDatabase("agentsdb");
        var realtime = builder.AddProject<Projects.Agents_Realtime>("realtime").WithReplicas(2).WithHttpHealthCheck();
        var web = builder.AddProject<Projects.Agents_Web>("web").WithReference(db).WithReference(realtime);
        ((PostgresServerResource)builder.Resources[0]).Port = 5433;
        realtime.Resource.HttpEndpoint!.AllocatedPorts = [7001, 7002];

        var environment = new Dictionary<string, string>();
        foreach (var callback in web.Resource.EnvironmentCallbacks)
        {
            await callback(new EnvironmentCallbackContext(environment, 0, TestContext.Current.CancellationToken));
        }

        var password = ((PostgresServerResource)builder.Resources[0]).Password;
        Assert.Equal($"Host=127.0.0.1;Port=5433;Username=postgres;Password={password};Database=agentsdb", environment["ConnectionStrings__agentsdb"]);
        Assert.Equal("http://127.0.0.1:7001", environment["services__realtime__http__0"]);
        Assert.Equal("http://127.0.0.1:7002", environment["services__realtime__http__1"]);
    }
}
