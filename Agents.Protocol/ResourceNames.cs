namespace Agents;

/// <summary>
/// The resource names of the app model, shared by the AppHost (which declares them) and the services
/// (which read <c>ConnectionStrings__{name}</c> and call <c>http://{name}</c>), so they cannot drift apart.
/// </summary>
public static class ResourceNames
{
    public const string Postgres = "postgres";
    public const string Database = "agentsdb";
    public const string Cache = "cache";
    public const string Api = "api";
    public const string Realtime = "realtime";
    public const string Web = "web";
}
