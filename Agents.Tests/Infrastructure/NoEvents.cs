using Agents.Protocol;
using Agents.Realtime.Hub;

namespace Agents.Tests.Infrastructure;

/// <summary>Where the events of a connection go when a test only sends, or looks at what the connection did elsewhere.</summary>
public sealed class NoEvents : IEventSink
{
    public ValueTask SendEventAsync(ThreadEvent threadEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask SendTypingAsync(TypingEvent typing, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask SendPresenceAsync(PresenceEvent presence, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
