using Agents.Api.Rules.Registry;
using Agents.Api.Rules.Safety;
using Agents.Api.Rules.Schema;
using Agents.Api.Rules.Translation;

namespace Agents.Api.Rules;

public static class RulesExtensions
{
    /// <summary>Rules: the rules database (prepared at start), the safe executor, the schema catalog, both translators and the registry.</summary>
    public static IHostApplicationBuilder AddRules(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RulesOptions>().Bind(builder.Configuration.GetSection(RulesOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RulesDatabase>();
        builder.Services.AddSingleton<RulesSetupState>();
        builder.Services.AddHostedService<RulesDatabaseSetup>();
        builder.Services.AddHealthChecks().AddCheck<RulesHealthCheck>("rules");
        builder.Services.AddSingleton<ReadOnlyQueryExecutor>();
        builder.Services.AddSingleton<SchemaCatalog>();
        builder.Services.AddSingleton<BuiltInTranslator>();
        builder.Services.AddSingleton<LlmTranslator>();
        builder.Services.AddSingleton<RuleTranslators>();
        builder.Services.AddSingleton<RuleStore>();
        builder.Services.AddSingleton<RuleService>();
        return builder;
    }
}
