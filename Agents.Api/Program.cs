var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource(ResourceNames.Database);
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
