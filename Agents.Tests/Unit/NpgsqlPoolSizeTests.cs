using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Agents.Tests.Unit;

/// <summary>How many connections a service's data source keeps: ten, unless its connection string says.</summary>
public sealed class NpgsqlPoolSizeTests
{
    [Theory]
    [InlineData("Host=127.0.0.1;Port=5432;Username=app;Password=secret;Database=agentsdb", 10)]
    [InlineData("Host=127.0.0.1;Username=app;Maximum Pool Size=30", 30)]
    [InlineData("Host=127.0.0.1;Username=app;MaxPoolSize=100", 100)]
    [InlineData("Host=127.0.0.1;Username=app;maximum pool size=3", 3)]
    [InlineData("Host=127.0.0.1;Username=app;Minimum Pool Size=20", 20)]
    public void TheConnectionStringsOwnPoolSizeWinsOverTheDefault(string connectionString, int expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["ConnectionStrings:db"] = connectionString });
        builder.AddNpgsqlDataSource("db");
        using var host = builder.Build();

        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();

        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MaxPoolSize);
    }
}
