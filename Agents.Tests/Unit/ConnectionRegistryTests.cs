using System.Diagnostics.Metrics;
using Agents.Protocol;
using Agents.Realtime.Hub;
using Agents.Realtime.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace Agents.Tests.Unit;

/// <summary>The registry's connection count (<c>agents.realtime.connections</c>) follows connections as they come and go.</summary>
public sealed class ConnectionRegistryTests
{
    [Fact]
    public void TheConnectionCountGoesUpAndDownByTransport()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var registry = new ConnectionRegistry(new ClientWork(), services.GetRequiredService<IMeterFactory>());
        var open = new Dictionary<string, int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Agents.Realtime" && instrument.Name == "agents.realtime.connections")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, change, tags, _) =>
        {
            var transport = (string)tags.ToArray().Single(t => t.Key == "agents.connection.transport").Value!;
            open[transport] = open.GetValueOrDefault(transport) + change;
        });
        listener.Start();

        registry.Add(new ClientConnection("a", "alice", "token", new NoSink()));
        registry.Add(new ClientConnection("b", "bob", "token", new NoSink()));
        Assert.Equal(2, open["websocket"]);

        Assert.NotNull(registry.Remove("a"));
        Assert.Null(registry.Remove("a"));
        Assert.Equal(1, open["websocket"]);

        Assert.Throws<InvalidOperationException>(() => registry.Add(new ClientConnection("b", "bob", "token", new NoSink())));
        Assert.Equal(1, open["websocket"]);
        Assert.False(open.ContainsKey("signalr"));
    }

    private sealed class NoSink : IEventSink
    {
        public ValueTask SendEventAsync(ThreadEvent threadEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SendTypingAsync(TypingEvent typing, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SendPresenceAsync(PresenceEvent presence, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
