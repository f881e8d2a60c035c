using System.Net;
using System.Net.Sockets;

namespace Agents.Hosting.Orchestration;

/// <summary>Hands out free loopback ports, never the same one twice in a run.</summary>
internal sealed class PortAllocator
{
    private readonly HashSet<int> _given = [];
    private readonly Lock _gate = new();

    public int GetFreePort()
    {
        lock (_gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (_given.Add(port))
                {
                    return port;
                }
            }
        }
    }

    /// <summary>Takes a fixed port, failing clearly when something else already listens there.</summary>
    public int Reserve(int port, string resourceName)
    {
        lock (_gate)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
            }
            catch (SocketException e)
            {
                throw new DistributedApplicationException(
                    $"Port {port} of resource '{resourceName}' is in use ({e.SocketErrorCode}): stop what uses it or change the port in the project's Properties/launchSettings.json.");
            }
            _given.Add(port);
            return port;
        }
    }
}

internal static class RunFolders
{
    public static void Create(string path, UnixFileMode mode)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
