using System.Net;
using System.Net.Sockets;

namespace Agents.Tests.Infrastructure;

/// <summary>Two ends of a real loopback TCP connection: the server's socket (to write to) and the client's (to read what came).</summary>
internal sealed class SocketPair(Socket server, Socket client) : IDisposable
{
    public Socket Server { get; } = server;

    public Socket Client { get; } = client;

    public static async Task<SocketPair> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return new SocketPair(await accept, client);
    }

    public async Task<byte[]> ReadAsync(int count)
    {
        var received = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await Client.ReceiveAsync(received.AsMemory(read), TestContext.Current.CancellationToken);
            Assert.True(n > 0, $"the connection ended after {read} of {count} bytes");
            read += n;
        }
        return received;
    }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }
}
