var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource(ResourceNames.Database);
builder.AddRedisClient(ResourceNames.Cache);
builder.Services.AddProblemDetails();
builder.AddDatabaseMigrations();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapStatusApi();

app.Run();
