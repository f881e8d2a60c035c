using System.ComponentModel.DataAnnotations;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How users are identified. Either a real OIDC authority (<see cref="Authority"/>, <see cref="Audience"/>), or
/// development tokens signed with <see cref="SigningKey"/> (the AppHost generates one per run and gives it to the Api,
/// which issues tokens, and to Realtime, which checks them).
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    /// <summary>The OIDC authority; when set, development tokens are off.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must carry.</summary>
    public string Audience { get; set; } = "agents";

    /// <summary>The issuer of development tokens.</summary>
    public string Issuer { get; set; } = "agents-development";

    /// <summary>The key that signs development tokens (at least 32 bytes, base64 or text). A secret: never in appsettings.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Issue development tokens outside the Development environment too (a demo machine); off by default.</summary>
    public bool AllowDevelopmentTokens { get; set; }

    /// <summary>How long a development token is valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(8);

    public bool UsesDevelopmentTokens => string.IsNullOrWhiteSpace(Authority);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UsesDevelopmentTokens && (SigningKey is null || SigningKeyBytes().Length < 32))
        {
            yield return new ValidationResult(
                "Auth:SigningKey (32 bytes or more) is required when Auth:Authority is not set. The AppHost provides it; when running a service alone, set Auth__SigningKey.",
                [nameof(SigningKey)]);
        }
    }

    public byte[] SigningKeyBytes()
    {
        if (SigningKey is null)
        {
            return [];
        }
        var buffer = new byte[SigningKey.Length];
        return Convert.TryFromBase64String(SigningKey, buffer, out var written) ? buffer[..written] : System.Text.Encoding.UTF8.GetBytes(SigningKey);
    }
}
