using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Agents.Api.Rules;

/// <summary>
/// The two ways into the rules database: as its owner (the Api's own role: creates views, reads them back) and as the
/// read-only role every generated query runs as.
/// </summary>
public sealed class RulesDatabase : IAsyncDisposable
{
    public const string ReaderRole = "agents_rules_reader";

    public RulesDatabase(IOptions<RulesOptions> options, IConfiguration configuration)
    {
        var rules = options.Value;
        var ownerConnectionString = rules.ConnectionString ?? configuration.GetConnectionString(ResourceNames.Database)
            ?? throw new InvalidOperationException($"Set Rules:ConnectionString or ConnectionStrings:{ResourceNames.Database}.");
        var owner = new NpgsqlConnectionStringBuilder(ownerConnectionString) { ApplicationName = "agents-rules" };
        ManagesReader = rules.ReaderConnectionString is null;
        var reader = ManagesReader
            ? new NpgsqlConnectionStringBuilder(owner.ConnectionString)
            {
                Username = ReaderRole,
                Password = ReaderPassword = DerivePassword(owner),
                ApplicationName = "agents-rules-reader",
                MaxPoolSize = 16,
            }
            : new NpgsqlConnectionStringBuilder(rules.ReaderConnectionString) { ApplicationName = "agents-rules-reader" };
        DatabaseName = owner.Database ?? "";
        Owner = NpgsqlDataSource.Create(owner);
        Reader = NpgsqlDataSource.Create(reader);
    }

    public NpgsqlDataSource Owner { get; }

    public NpgsqlDataSource Reader { get; }

    public string DatabaseName { get; }

    /// <summary>True when the Api creates the reader role and sets its password (no ReaderConnectionString given).</summary>
    public bool ManagesReader { get; }

    internal string? ReaderPassword { get; }

    // Every replica derives the same password from the owner's credentials, so none has to store or share it.
    private static string DerivePassword(NpgsqlConnectionStringBuilder owner)
    {
        var secret = Encoding.UTF8.GetBytes(owner.Password ?? owner.ConnectionString);
        var hash = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{ReaderRole}@{owner.Host}:{owner.Port}/{owner.Database}"));
        return Convert.ToBase64String(hash);
    }

    public async ValueTask DisposeAsync()
    {
        await Owner.DisposeAsync();
        await Reader.DisposeAsync();
    }
}
