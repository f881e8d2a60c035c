using System.ComponentModel.DataAnnotations;

namespace Agents.Api.Agent.Engines;

/// <summary>
/// An OpenAI-compatible model (OpenAI, Azure OpenAI's v1 endpoint, Ollama, llama.cpp server, vLLM). When
/// <see cref="Endpoint"/> is empty the built-in engine is used.
/// </summary>
public sealed class LlmOptions
{
    public const string SectionName = "Llm";

    /// <summary>The API base, e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama).</summary>
    public string? Endpoint { get; set; }

    [Required]
    public string Model { get; set; } = "gpt-4o-mini";

    /// <summary>A secret: from user secrets or the environment, never appsettings.json. Ollama and llama.cpp need none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>A turn that takes longer is stopped and reported as an error.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Tokens are sent in pieces of at least this many characters (or when this much time passed).</summary>
    [Range(1, 4_096)]
    public int TokenBatchCharacters { get; set; } = 24;

    public TimeSpan TokenBatchInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint);
}
