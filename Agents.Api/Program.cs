var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// Statements run often enough are prepared on each connection: Postgres then skips parsing and planning them, which
// was half of its CPU per message stored (when a message was five statements; now it is one, see MessageStore).
// A connection taken from the pool is not reset: with prepared statements Npgsql's reset is seven statements (RESET ALL,
// UNLISTEN *, DISCARD TEMP...) sent before the next user's first, which made that first statement of every request
// 2-5 times as slow as the others. This data source leaves no session state behind: settings are SET LOCAL, advisory
// locks are released in a finally, and the run worker's LISTEN connection unlistens before it goes back. (The rules'
// data sources, which run generated SQL, keep the reset.)
builder.AddNpgsqlDataSource(ResourceNames.Database, dataSource =>
{
    dataSource.ConnectionStringBuilder.MaxAutoPrepare = 50;
    dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
    dataSource.ConnectionStringBuilder.NoResetOnClose = true;
});
builder.AddRedisClient(ResourceNames.Cache);
builder.AddAgentsAuthentication();
builder.Services.AddProblemDetails();
builder.Services.AddValidation();
builder.AddDatabaseMigrations();
builder.AddThreads();
builder.AddRuns();
builder.AddRules();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapStatusApi();
app.MapAuthApi();
app.MapThreadsApi();
app.MapRunsApi();
app.MapRulesApi();

app.Run();
