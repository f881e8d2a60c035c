using Agents.Web.ClientAppHosting;
using Agents.Web.Proxy;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddFrontDoor();
builder.Services.AddProblemDetails();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseClientApp();

app.MapDefaultEndpoints();
app.MapFrontDoor();
app.MapClientAppFallback();

app.Run();
