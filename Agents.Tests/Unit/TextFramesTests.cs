using System.Net.WebSockets;
using System.Text;
using Agents.Realtime.WebSockets;

namespace Agents.Tests.Unit;

/// <summary>
/// The frames /ws writes itself, read back by .NET's own client WebSocket: each length class of the header (7, 16 and
/// 64 bits) at its edges, and a batch of frames back to back arriving as separate messages.
/// </summary>
public sealed class TextFramesTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    public async Task AFrameReadsBackAsOneTextMessage(int length)
    {
        var text = new string('x', length);

        var messages = await ReadAllAsync(TextFrames.Frame(Encoding.UTF8.GetBytes(text)));

        Assert.Equal([text], messages);
    }

    [Fact]
    public async Task FramesBackToBackAreSeparateMessagesInOrder()
    {
        string[] texts = ["{\"type\":\"a\"}", new string('é', 100), "", new string('z', 300)];

        var messages = await ReadAllAsync(TextFrames.Concat([.. texts.Select(t => TextFrames.Frame(Encoding.UTF8.GetBytes(t)))]));

        Assert.Equal(texts, messages);
    }

    private static async Task<List<string>> ReadAllAsync(byte[] wire)
    {
        using var client = WebSocket.CreateFromStream(new MemoryStream(wire), new WebSocketCreationOptions { IsServer = false });
        var messages = new List<string>();
        var buffer = new byte[70_000];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            try
            {
                do
                {
                    result = await client.ReceiveAsync(buffer.AsMemory(length), TestContext.Current.CancellationToken);
                    length += result.Count;
                }
                while (!result.EndOfMessage);
            }
            catch (WebSocketException)
            {
                return messages; // the end of the bytes: the stream ended without a close frame
            }
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, length));
        }
    }
}
