global using Agents.Protocol;
