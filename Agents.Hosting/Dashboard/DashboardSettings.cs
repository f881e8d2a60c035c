using System.Security.Cryptography;
using Agents.Hosting.Otlp;
using Microsoft.Extensions.Configuration;

namespace Agents.Hosting.Dashboard;

/// <summary>
/// The dashboard's settings, resolved once from the AppHost's configuration with Aspire's names: <c>ASPNETCORE_URLS</c>
/// (the pages), <c>DOTNET_DASHBOARD_OTLP_HTTP_ENDPOINT_URL</c> (the OTLP/HTTP receiver),
/// <c>DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS</c>, <c>Dashboard:Frontend:BrowserToken</c>,
/// <c>Dashboard:Otlp:AuthMode</c> (<c>ApiKey</c> or <c>Unsecured</c>) and <c>Dashboard:Otlp:PrimaryApiKey</c>.
/// </summary>
public sealed class DashboardSettings
{
    public const string FrontendUrlsKey = "ASPNETCORE_URLS";
    public const string OtlpHttpUrlKey = "DOTNET_DASHBOARD_OTLP_HTTP_ENDPOINT_URL";
    public const string AllowAnonymousKey = "DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS";
    public const string BrowserTokenKey = "Dashboard:Frontend:BrowserToken";
    public const string OtlpAuthModeKey = "Dashboard:Otlp:AuthMode";
    public const string OtlpApiKeyKey = "Dashboard:Otlp:PrimaryApiKey";
    public const string OtlpSecondaryApiKeyKey = "Dashboard:Otlp:SecondaryApiKey";

    /// <summary>The header that carries the OTLP API key, as Aspire's.</summary>
    public const string ApiKeyHeader = "x-otlp-api-key";

    /// <summary>Where the pages are served (first of <c>ASPNETCORE_URLS</c>); null when the dashboard is off.</summary>
    public Uri? FrontendUrl { get; private init; }

    /// <summary>Where services send OTLP/HTTP; null when the receiver is off.</summary>
    public Uri? OtlpHttpUrl { get; private init; }

    /// <summary>The token of the login link; null when browsers need none.</summary>
    public string? BrowserToken { get; private init; }

    /// <summary>The OTLP API key services must send; null when OTLP is unsecured.</summary>
    public string? OtlpApiKey { get; private init; }

    /// <summary>A second accepted key, to rotate keys without a gap.</summary>
    public string? OtlpSecondaryApiKey { get; private init; }

    public TelemetryLimits Limits { get; private init; } = new();

    public bool IsEnabled => FrontendUrl is not null || OtlpHttpUrl is not null;

    /// <summary>The link to print: with the login token when there is one, as Aspire prints it.</summary>
    public Uri? LoginUrl => FrontendUrl is null ? null
        : BrowserToken is null ? FrontendUrl
        : new Uri(FrontendUrl, $"/login?t={BrowserToken}");

    public static DashboardSettings Resolve(IConfiguration configuration, DistributedApplicationOptions options)
    {
        var limits = new TelemetryLimits();
        configuration.GetSection(TelemetryLimits.SectionName).Bind(limits);
        if (options.DisableDashboard)
        {
            return new DashboardSettings { Limits = limits };
        }
        var anonymous = bool.TryParse(configuration[AllowAnonymousKey], out var allow) && allow;
        var frontend = configuration[FrontendUrlsKey]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var otlp = configuration[OtlpHttpUrlKey];
        var otlpMode = configuration[OtlpAuthModeKey] ?? (anonymous ? "Unsecured" : "ApiKey");
        if (otlpMode is not ("ApiKey" or "Unsecured"))
        {
            throw new DistributedApplicationException($"{OtlpAuthModeKey} is '{otlpMode}'; use ApiKey or Unsecured.");
        }
        return new DashboardSettings
        {
            FrontendUrl = string.IsNullOrEmpty(frontend) ? null : ParseUrl(FrontendUrlsKey, frontend),
            OtlpHttpUrl = string.IsNullOrEmpty(otlp) ? null : ParseUrl(OtlpHttpUrlKey, otlp),
            BrowserToken = anonymous ? null : configuration[BrowserTokenKey] ?? NewSecret(),
            OtlpApiKey = otlpMode == "Unsecured" ? null : configuration[OtlpApiKeyKey] ?? NewSecret(),
            OtlpSecondaryApiKey = otlpMode == "Unsecured" ? null : configuration[OtlpSecondaryApiKeyKey],
            Limits = limits,
        };
    }

    private static Uri ParseUrl(string key, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttp
            ? url
            : throw new DistributedApplicationException($"{key} must be an http:// URL; it is '{value}'.");

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
