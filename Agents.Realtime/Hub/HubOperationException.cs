namespace Agents.Realtime.Hub;

/// <summary>A request that failed for a reason the client should know, with a code from <see cref="ErrorCodes"/>.</summary>
public sealed class HubOperationException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public ErrorEvent ToEvent(string? operation) => new(Code, Message, operation);
}
