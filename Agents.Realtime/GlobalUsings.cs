global using Agents;
global using Agents.Protocol;
global using Agents.Realtime.Hub;
global using Agents.Realtime.Limits;
global using Agents.Realtime.Memory;
global using Agents.Realtime.Presence;
global using Agents.Realtime.Threads;
global using Agents.Realtime.WebSockets;
