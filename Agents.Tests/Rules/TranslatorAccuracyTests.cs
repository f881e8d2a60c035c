using System.Globalization;
using Agents.Api.Rules.Translation;

namespace Agents.Tests.Rules;

/// <summary>
/// Execution accuracy of the built-in translator: its SQL, run through the safe executor as the reader role, must give
/// the same rows as a hand-written reference query (compared as multisets, not as SQL text), on the demo schema and on
/// a second schema it was not written for.
/// </summary>
[Collection(RulesDatabaseCollection.Name)]
public sealed class TranslatorAccuracyTests(RulesDatabaseFixture database, ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(DemoTranslatorCases.All), MemberType = typeof(DemoTranslatorCases))]
    public Task DemoSchema(string question, string reference) => AssertSameResultAsync(question, reference);

    [Theory]
    [MemberData(nameof(LibraryTranslatorCases.All), MemberType = typeof(LibraryTranslatorCases))]
    public Task LibrarySchema(string question, string reference) => AssertSameResultAsync(question, reference);

    private async Task AssertSameResultAsync(string question, string reference)
    {
        var schema = await database.Catalog.GetAsync(TestContext.Current.CancellationToken);
        var query = new BuiltInTranslator(database.Catalog).Translate(question, schema);
        output.WriteLine(query.Sql);
        output.WriteLine($"parameters: {string.Join(", ", query.Parameters)}");
        var produced = await database.Executor.ExecuteAsync(query.Sql, query.Parameters, 100_000, TestContext.Current.CancellationToken);
        var expected = await database.QueryAsOwnerAsync(reference);

        Assert.NotEmpty(expected);
        Assert.Equal(Normalize(expected), Normalize(produced.Rows));
    }

    // Rows as sorted text: numbers by value (so 5, 5.0 and 5.00 agree; averages to 6 decimals), instants in UTC.
    private static List<string> Normalize(IEnumerable<object?[]> rows) =>
        [.. rows.Select(row => string.Join(" | ", row.Select(Format))).Order(StringComparer.Ordinal)];

    private static string Format(object? value) => value switch
    {
        null => "null",
        decimal d => Math.Round(d, 6).ToString("0.######", CultureInfo.InvariantCulture),
        double d => Math.Round((decimal)d, 6).ToString("0.######", CultureInfo.InvariantCulture),
        int or long or short => Convert.ToDecimal(value, CultureInfo.InvariantCulture).ToString("0.######", CultureInfo.InvariantCulture),
        DateTime t => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
