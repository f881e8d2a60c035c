var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// Statements run often enough are prepared on each connection: Postgres then skips parsing and planning them, which
// was half of its CPU per message stored (a message is five statements).
builder.AddNpgsqlDataSource(ResourceNames.Database, dataSource =>
{
    dataSource.ConnectionStringBuilder.MaxAutoPrepare = 50;
    dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
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
