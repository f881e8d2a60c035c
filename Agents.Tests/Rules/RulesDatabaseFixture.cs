using Agents.Api.Rules;
using Agents.Api.Rules.Safety;
using Agents.Api.Rules.Schema;
using Agents.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Agents.Tests.Rules;

/// <summary>
/// A real Postgres (through the Hosting orchestrator) prepared as the Api prepares its rules database: the demo schema,
/// the reader role and its grants, plus a second schema (library) the translator was not written for.
/// </summary>
public sealed class RulesDatabaseFixture : IAsyncLifetime
{
    private DistributedApplication? _app;

    public RulesDatabase Database { get; private set; } = null!;

    public ReadOnlyQueryExecutor Executor { get; private set; } = null!;

    public SchemaCatalog Catalog { get; private set; } = null!;

    public RulesOptions Options { get; } = new() { Schemas = ["demo", "library"], StatementTimeout = TimeSpan.FromSeconds(2) };

    public async ValueTask InitializeAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddPostgres("rules-postgres").AddDatabase("rulesdb");
        _app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        await _app.StartAsync(TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("rulesdb", TestContext.Current.CancellationToken).WithTimeout(TestTimeouts.Startup);
        var connectionString = await _app.GetConnectionStringAsync("rulesdb", TestContext.Current.CancellationToken);

        Options.ConnectionString = connectionString;
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Database = new RulesDatabase(options, new ConfigurationBuilder().Build());
        await using (var library = Database.Owner.CreateCommand(ReadResource("LibrarySchema.sql")))
        {
            await library.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
        var setup = new RulesDatabaseSetup(Database, options, new RulesSetupState(), NullLogger<RulesDatabaseSetup>.Instance);
        await setup.StartAsync(TestContext.Current.CancellationToken);
        await (setup.ExecuteTask ?? Task.CompletedTask).WithTimeout(TestTimeouts.Startup);
        Executor = new ReadOnlyQueryExecutor(Database, options);
        Catalog = new SchemaCatalog(Database, options, TimeProvider.System, NullLogger<SchemaCatalog>.Instance);
    }

    /// <summary>Runs trusted SQL (a reference query) as the owner and returns its rows.</summary>
    public async Task<List<object?[]>> QueryAsOwnerAsync(string sql)
    {
        await using var command = Database.Owner.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        return await RulesSql.ReadRowsAsync(reader, int.MaxValue, TestContext.Current.CancellationToken);
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(RulesDatabaseFixture).Assembly.GetManifestResourceStream($"Agents.Tests.Rules.{name}")
            ?? throw new InvalidOperationException($"Missing embedded resource {name}.");
        return new StreamReader(stream).ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RulesDatabaseCollection : ICollectionFixture<RulesDatabaseFixture>
{
    public const string Name = "Rules database";
}
