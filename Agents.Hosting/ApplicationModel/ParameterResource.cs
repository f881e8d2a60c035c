namespace Agents.Hosting;

/// <summary>
/// A value given to resources, from the AppHost's configuration (<c>Parameters:{name}</c>) or, for a secret that is
/// not configured, generated once per run (as Aspire's generated parameters).
/// </summary>
public sealed class ParameterResource(string name, string value, bool secret) : Resource(name)
{
    /// <summary>The value; never logged when <see cref="Secret"/>.</summary>
    public string Value { get; } = value;

    /// <summary>A secret is generated when not configured and kept out of logs and snapshots.</summary>
    public bool Secret { get; } = secret;

    /// <inheritdoc />
    public override string ResourceType => "Parameter";
}
