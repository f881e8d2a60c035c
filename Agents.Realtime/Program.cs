var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRedisClient(ResourceNames.Cache);
builder.AddAgentsAuthentication();
builder.Services.AddSlimConnectionIdentity();
builder.Services.AddProblemDetails();
builder.AddRealtime();
builder.AddDirectWebSockets();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseWebSocketWire();
app.UseWebSockets();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapHub<AgentHub>("/hubs/agent", hub => hub.AllowStatefulReconnects = true);
app.MapWebSocketApi();

app.Run();
