var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRedisClient(ResourceNames.Cache);
// Realtime stores what its clients send (MessageStore: one call of the Api's post_messages function), so a message's
// way to the thread's members has no hop through the Api. That one statement is prepared on each connection after its
// second use, and connections go back to the pool without Npgsql's reset (it leaves no session state behind), as in
// the Api (see its Program.cs).
builder.AddNpgsqlDataSource(ResourceNames.Database, dataSource =>
{
    dataSource.ConnectionStringBuilder.MaxAutoPrepare = 5;
    dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
    dataSource.ConnectionStringBuilder.NoResetOnClose = true;
});
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
app.MapHub<AgentHub>(AgentHub.Path, hub => hub.AllowStatefulReconnects = true);
app.MapWebSocketApi();

app.Run();
