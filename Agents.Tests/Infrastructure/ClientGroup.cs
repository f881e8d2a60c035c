namespace Agents.Tests.Infrastructure;

/// <summary>Several signed-in users, disposed together.</summary>
public sealed class ClientGroup : IAsyncDisposable
{
    private ClientGroup(List<AgentsClient> clients) => Clients = clients;

    public IReadOnlyList<AgentsClient> Clients { get; }

    public static async Task<ClientGroup> SignInAsync(Uri frontDoor, int count, string prefix)
    {
        var clients = new List<AgentsClient>();
        for (var i = 0; i < count; i++)
        {
            clients.Add(await AgentsClient.SignInAsync(frontDoor, $"{prefix}{i}-{Guid.NewGuid():N}"[..20]));
        }
        return new ClientGroup(clients);
    }

    /// <summary>The owner invites everyone; everyone connects and joins the thread.</summary>
    public async Task JoinAsync(AgentsClient owner, Guid threadId)
    {
        foreach (var client in Clients)
        {
            if (client != owner)
            {
                await owner.InviteAsync(threadId, client.UserName);
            }
            await client.ConnectAsync();
            await client.JoinAsync(threadId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients)
        {
            await client.DisposeAsync();
        }
    }
}
