using System.Net.Http.Json;
using System.Text.Json;

namespace Agents.Bench.LoadGen;

/// <summary>
/// What both ways into Agents.Realtime need first: users signed in through the front door, one thread as the room,
/// the receivers' users invited to it.
/// </summary>
public sealed class AgentsRoom(Uri frontDoor)
{
    // Realtime allows 20 connections per user by default: receivers share users, 19 each.
    private const int ConnectionsPerUser = 19;
    // Kept as a browser keeps a used connection when idle (Chromium: 5 minutes), not .NET's one minute: that close
    // came in the middle of the steps and put Web's compile of its side of it on the server core.
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { BaseAddress = frontDoor };
    private readonly List<string> _tokens = [];
    private string _ownerToken = "";

    public Guid Thread { get; private set; }

    public async Task PrepareAsync(int connections, CancellationToken cancellationToken)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        _ownerToken = await SignInAsync($"bench-{run}-owner", cancellationToken);
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/threads") { Content = JsonContent.Create(new { title = "realtime bench" }) };
        create.Headers.Authorization = new("Bearer", _ownerToken);
        using var created = await _http.SendAsync(create, cancellationToken);
        created.EnsureSuccessStatusCode();
        Thread = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetGuid();
        for (var user = 0; _tokens.Count * ConnectionsPerUser < connections; user++)
        {
            var name = $"bench-{run}-{user}";
            _tokens.Add(await SignInAsync(name, cancellationToken));
            using var invite = new HttpRequestMessage(HttpMethod.Post, $"/api/threads/{Thread}/members") { Content = JsonContent.Create(new { userName = name }) };
            invite.Headers.Authorization = new("Bearer", _ownerToken);
            using var invited = await _http.SendAsync(invite, cancellationToken);
            invited.EnsureSuccessStatusCode();
        }
    }

    /// <summary>The access token of client <paramref name="index"/> (-1: the sender, the thread's owner).</summary>
    public string TokenFor(int index) => index < 0 ? _ownerToken : _tokens[index / ConnectionsPerUser];

    private async Task<string> SignInAsync(string userName, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("/api/auth/token", new { userName }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("accessToken").GetString()!;
    }
}
