using Agents;
using Agents.Hosting;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// Postgres and Redis run from the installed server binaries unless a connection string points elsewhere.
IResourceBuilder<IResourceWithConnectionString> db = builder.Configuration.GetConnectionString(ResourceNames.Database) is null
    ? builder.AddPostgres(ResourceNames.Postgres).AddDatabase(ResourceNames.Database)
    : builder.AddConnectionString(ResourceNames.Database);
IResourceBuilder<IResourceWithConnectionString> cache = builder.Configuration.GetConnectionString(ResourceNames.Cache) is null
    ? builder.AddRedis(ResourceNames.Cache)
    : builder.AddConnectionString(ResourceNames.Cache);

// Signs development tokens: generated per run unless Parameters:auth-signing-key is set; Api issues, Realtime checks.
var signingKey = builder.AddParameter("auth-signing-key", secret: true);

var api = builder.AddProject<Projects.Agents_Api>(ResourceNames.Api)
    .WithReference(db).WithReference(cache)
    .WithEnvironment("Auth__SigningKey", signingKey)
    .WaitFor(db).WaitFor(cache)
    .WithHttpHealthCheck("/health");

// A model, when one is configured (Llm:Endpoint, Llm:Model, Llm:ApiKey...): otherwise the built-in engine answers.
foreach (var setting in builder.Configuration.GetSection("Llm").GetChildren().Where(s => s.Value is not null))
{
    api.WithEnvironment($"Llm__{setting.Key}", setting.Value);
}

// The rules' data (Rules:ConnectionString, Rules:Schemas, ...), when configured: otherwise the app's own database and its demo schema.
foreach (var (key, value) in builder.Configuration.GetSection("Rules").AsEnumerable(makePathsRelative: true).Where(s => s.Value is not null))
{
    api.WithEnvironment($"Rules__{key.Replace(":", "__", StringComparison.Ordinal)}", value);
}

// Realtime stores the messages its clients send (the Api's post_messages function: the Api owns the schema) and calls the
// Api when clients join, so it starts alongside the Api rather than after it.
var realtime = builder.AddProject<Projects.Agents_Realtime>(ResourceNames.Realtime)
    .WithReference(db).WithReference(cache).WithReference(api)
    .WithEnvironment("Auth__SigningKey", signingKey)
    .WaitFor(db).WaitFor(cache)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Agents_Web>(ResourceNames.Web)
    .WithReference(api).WithReference(realtime)
    .WaitFor(api).WaitFor(realtime)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();

builder.Build().Run();
