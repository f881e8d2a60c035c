using System.ComponentModel.DataAnnotations;

namespace Agents.Api.Rules;

/// <summary>Where the rules' data lives and how generated queries are bounded (section <c>Rules</c>).</summary>
public sealed class RulesOptions
{
    public const string SectionName = "Rules";

    /// <summary>The database the rules query and where their views are created; default: the app's own database.
    /// Its user creates the <c>rules</c> schema, the reader role and the views.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A connection string for the read-only role, when you manage that role yourself; default: the
    /// <c>agents_rules_reader</c> role that the Api creates, with a password derived from <see cref="ConnectionString"/>.</summary>
    public string? ReaderConnectionString { get; set; }

    /// <summary>The only schemas generated queries may read.</summary>
    [MinLength(1)]
    public List<string> Schemas { get; set; } = ["demo"];

    /// <summary>Create and fill the <c>demo</c> schema on first start (only when it is in <see cref="Schemas"/>).</summary>
    public bool SeedDemo { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Rows a preview or a data question reads at most.</summary>
    [Range(1, 1_000_000)]
    public int MaxRows { get; set; } = 10_000;

    /// <summary>Rows a rule's materialized view keeps at most.</summary>
    [Range(1, 10_000_000)]
    public int MaxViewRows { get; set; } = 100_000;

    /// <summary>Text columns with at most this many distinct values have their values in the translator's lexicon.</summary>
    [Range(0, 1_000)]
    public int MaxLexiconValues { get; set; } = 50;

    /// <summary>How long the introspected schema is trusted before it is read again.</summary>
    public TimeSpan SchemaCacheDuration { get; set; } = TimeSpan.FromMinutes(5);
}
