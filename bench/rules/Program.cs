// Translation time and execution accuracy of the built-in rules translator, on the test suite's cases:
//   dotnet run -c Release --project bench/rules [-- iterations]
// Starts a PostgreSQL of its own (through Agents.Hosting), prepares it as the Api does (demo schema, reader role) plus
// the tests' second schema, then for every question: translates it `iterations` times (timed), runs the SQL through
// the safe executor and a reference query, and compares the rows.
using System.Diagnostics;
using System.Globalization;
using Agents.Api.Rules;
using Agents.Api.Rules.Safety;
using Agents.Api.Rules.Schema;
using Agents.Api.Rules.Translation;
using Agents.Hosting;
using Agents.Hosting.Testing;
using Agents.Tests.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;

var builder = DistributedApplicationTestingBuilder.Create();
builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
builder.AddPostgres("bench-postgres").AddDatabase("benchdb");
await using var app = await builder.BuildAsync();
await app.StartAsync();
await app.ResourceNotifications.WaitForResourceHealthyAsync("benchdb");

var rulesOptions = new RulesOptions { ConnectionString = await app.GetConnectionStringAsync("benchdb"), Schemas = ["demo", "library"] };
var options = Options.Create(rulesOptions);
await using var database = new RulesDatabase(options, new ConfigurationBuilder().Build());
await using (var library = database.Owner.CreateCommand(Bench.Resource("LibrarySchema.sql")))
{
    await library.ExecuteNonQueryAsync();
}
var setup = new RulesDatabaseSetup(database, options, new RulesSetupState(), NullLogger<RulesDatabaseSetup>.Instance);
await setup.StartAsync(CancellationToken.None);
await setup.ExecuteTask!;
var executor = new ReadOnlyQueryExecutor(database, options);
var catalog = new SchemaCatalog(database, options, TimeProvider.System, NullLogger<SchemaCatalog>.Instance);
var schemaRead = Stopwatch.StartNew();
var schema = await catalog.RefreshAsync(CancellationToken.None);
Console.WriteLine($"schema read in {schemaRead.Elapsed.TotalMilliseconds:0} ms: {schema.Tables.Count} tables, {schema.ForeignKeys.Count} foreign keys");
var translator = new BuiltInTranslator(catalog);

Console.WriteLine($"{"cases",-8} {"correct",8} {"translate p50",14} {"p99",8} {"+ execute p50",14} {"p99",8}");
foreach (var (name, cases) in new[] { ("demo", DemoTranslatorCases.All), ("library", LibraryTranslatorCases.All) })
{
    var translate = new List<double>();
    var execute = new List<double>();
    var correct = 0;
    var total = 0;
    foreach (var row in cases)
    {
        var (question, reference) = row.Data;
        total++;
        for (var i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            translator.Translate(question, schema);
            translate.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
        var whole = Stopwatch.GetTimestamp();
        var query = translator.Translate(question, schema);
        var produced = await executor.ExecuteAsync(query.Sql, query.Parameters, 100_000, CancellationToken.None);
        execute.Add(Stopwatch.GetElapsedTime(whole).TotalMicroseconds);
        var expected = await Bench.QueryAsync(database, reference);
        if (Bench.Normalize(expected).SequenceEqual(Bench.Normalize(produced.Rows)))
        {
            correct++;
        }
        else
        {
            Console.WriteLine($"  wrong: {question}");
        }
    }
    Console.WriteLine($"{name,-8} {$"{correct}/{total}",8} {Bench.Percentile(translate, 50) / 1000,11:0.000} ms {Bench.Percentile(translate, 99) / 1000,5:0.000} ms {Bench.Percentile(execute, 50) / 1000,11:0.00} ms {Bench.Percentile(execute, 99) / 1000,5:0.00} ms");
}

internal static class Bench
{
    public static string Resource(string name)
    {
        using var stream = typeof(Bench).Assembly.GetManifestResourceStream(name)!;
        return new StreamReader(stream).ReadToEnd();
    }

    public static async Task<List<object?[]>> QueryAsync(RulesDatabase database, string sql)
    {
        await using var command = database.Owner.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        return await RulesSql.ReadRowsAsync(reader, int.MaxValue, CancellationToken.None);
    }

    public static List<string> Normalize(IEnumerable<object?[]> rows) =>
        [.. rows.Select(r => string.Join(" | ", r.Select(Format))).Order(StringComparer.Ordinal)];

    private static string Format(object? value) => value switch
    {
        null => "null",
        decimal or double or int or long or short => Math.Round(Convert.ToDecimal(value, CultureInfo.InvariantCulture), 6).ToString("0.######", CultureInfo.InvariantCulture),
        DateTime t => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    public static double Percentile(List<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
