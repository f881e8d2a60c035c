using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Agents.Tests.Infrastructure;
using Npgsql;

namespace Agents.Tests.EndToEnd;

/// <summary>The AppHost's own model under the testing builder: everything comes up and is wired as Aspire wires it.</summary>
[Collection(AppHostCollection.Name)]
public sealed partial class AppHostTests
{
    private readonly AppHostFixture _fixture;

    public AppHostTests(AppHostFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        fixture.Output = output;
    }

    private DistributedApplication App => _fixture.App;

    [Fact]
    public void EveryResourceIsRunningAndHealthy()
    {
        foreach (var name in AppHostFixture.AllResources)
        {
            var snapshot = App.Of(name);
            Assert.Equal(KnownResourceStates.Running, snapshot.State);
            Assert.Equal(ResourceHealth.Healthy, snapshot.Health);
        }
    }

    [Fact]
    public async Task ApiConnectionStringOpensARealDatabaseWithTheSchemaApplied()
    {
        var connectionString = await App.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken).WithTimeout();

        await using var database = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.Equal(ResourceNames.Database, await database.ExecuteScalarAsync(TestContext.Current.CancellationToken).WithTimeout());

        await using var migrations = new NpgsqlCommand("SELECT scriptname FROM schema_migrations ORDER BY scriptname", connection);
        await using var reader = await migrations.ExecuteReaderAsync(TestContext.Current.CancellationToken).WithTimeout();
        var applied = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            applied.Add(reader.GetString(0));
        }
        Assert.Contains(applied, name => name.EndsWith("0001_threads_and_events.sql", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnlyTheApiMayStoreMessagesThroughPostMessages()
    {
        var connectionString = await App.GetConnectionStringAsync(ResourceNames.Database, TestContext.Current.CancellationToken);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken).WithTimeout();

        // The rules' reader role runs generated SQL: it must not be able to call the store, whatever the guard lets by.
        const string sql = """
            SELECT has_function_privilege(current_user, p.oid, 'EXECUTE'),
                   has_function_privilege(@reader, p.oid, 'EXECUTE'),
                   coalesce(array_to_string(p.proacl, ','), '')
            FROM pg_proc p WHERE p.proname = 'post_messages'
            """;
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new("reader", Agents.Api.Rules.RulesDatabase.ReaderRole) } };
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken).WithTimeout();
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken), "post_messages is missing");
        Assert.True(reader.GetBoolean(0), "the app's own role (the Api's and Realtime's) cannot execute post_messages");
        Assert.False(reader.GetBoolean(1), "the rules' reader role can execute post_messages");
        // No ACL at all means the default one, which lets PUBLIC execute; "=X/..." is a grant to PUBLIC.
        var acl = reader.GetString(2);
        Assert.NotEqual("", acl);
        Assert.DoesNotContain(",=X/", "," + acl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebFrontDoorProxiesApiHealthToTheApi()
    {
        using var web = App.CreateHttpClient(ResourceNames.Web);
        using var response = await web.GetAsync(new Uri("/api/health", UriKind.Relative), TestContext.Current.CancellationToken).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Healthy", report.RootElement.GetProperty("status").GetString());
        // Only the Api has these checks: the answer came from the Api, not from Web's own /health.
        var checks = report.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToArray();
        Assert.Contains("migrations", checks);
        Assert.Contains("postgres-agentsdb", checks);
    }

    [Fact]
    public async Task WebServesTheFrontPage()
    {
        using var web = App.CreateHttpClient(ResourceNames.Web);
        var page = await web.GetStringAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken).WithTimeout();
        Assert.Contains("<title>Agents</title>", page, StringComparison.Ordinal);
    }

    [Fact]
    public void ProjectsReceiveAspiresEnvironmentContract()
    {
        var api = ProcessInfo.Environment(App.PidOf(ResourceNames.Api));
        var realtime = ProcessInfo.Environment(App.PidOf(ResourceNames.Realtime));
        var web = ProcessInfo.Environment(App.PidOf(ResourceNames.Web));

        Assert.Matches(PostgresConnectionString(), api["ConnectionStrings__agentsdb"]);
        Assert.Matches(RedisConnectionString(), api["ConnectionStrings__cache"]);
        Assert.Equal("api", api["OTEL_SERVICE_NAME"]);
        Assert.Equal("service.instance.id=api", api["OTEL_RESOURCE_ATTRIBUTES"]);
        Assert.Equal("http/protobuf", api["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal(App.GetEndpoint(ResourceNames.Api).ToString().TrimEnd('/'), api["ASPNETCORE_URLS"]);
        Assert.Equal("Development", api["ASPNETCORE_ENVIRONMENT"]);

        // A project sees what it references and nothing else.
        Assert.Equal(App.GetEndpoint(ResourceNames.Api).ToString().TrimEnd('/'), realtime["services__api__http__0"]);
        Assert.Matches(LoopbackUrl(), realtime["services__api__http__0"]);
        Assert.Equal(api["ConnectionStrings__agentsdb"], realtime["ConnectionStrings__agentsdb"]); // it stores what its clients send
        Assert.Equal("realtime", realtime["OTEL_SERVICE_NAME"]);
        Assert.Matches(LoopbackUrl(), web["services__realtime__http__0"]);
        Assert.False(web.ContainsKey("ConnectionStrings__agentsdb"));
        Assert.False(web.ContainsKey("ConnectionStrings__cache"));
    }

    [Fact]
    public void PortsAreRandomUnderTheTestingBuilder()
    {
        // A person's run puts the front door on the launch profile's port; tests must not collide with it.
        Assert.NotEqual(5080, App.GetEndpoint(ResourceNames.Web).Port);
    }

    [GeneratedRegex(@"^Host=127\.0\.0\.1;Port=\d+;Username=postgres;Password=[A-Za-z0-9]{16,};Database=agentsdb$")]
    private static partial Regex PostgresConnectionString();

    [GeneratedRegex(@"^127\.0\.0\.1:\d+,password=[A-Za-z0-9]{16,}$")]
    private static partial Regex RedisConnectionString();

    [GeneratedRegex(@"^http://127\.0\.0\.1:\d+$")]
    private static partial Regex LoopbackUrl();
}
