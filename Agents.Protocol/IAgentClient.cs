namespace Agents.Protocol;

/// <summary>
/// What the SignalR hub at /hubs/agent calls on its clients. The hub (Agents.Realtime) is
/// <c>Hub&lt;IAgentClient&gt;</c>; clients register handlers under these method names.
/// </summary>
public interface IAgentClient
{
    /// <summary>An event of a joined thread's log, in seq order, each exactly once.</summary>
    Task ThreadEvent(ThreadEvent threadEvent);

    /// <summary>Someone's typing state changed in a joined thread.</summary>
    Task Typing(TypingEvent typing);

    /// <summary>Who is online in a joined thread changed.</summary>
    Task Presence(PresenceEvent presence);

    /// <summary>A request of this connection failed; the hub method also throws with the same code.</summary>
    Task Error(ErrorEvent error);
}
