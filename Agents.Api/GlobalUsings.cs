global using Agents;
global using Agents.Api.Database;
global using Agents.Api.Status;
