using Microsoft.Extensions.Configuration;

namespace Agents.Hosting.Orchestration;

/// <summary>Finds the server programs the model needs, or says what to install instead.</summary>
internal static class Prerequisites
{
    public const string PostgresBinDirectoryKey = "Hosting:PostgresBinDirectory";
    public const string RedisServerPathKey = "Hosting:RedisServerPath";

    public static string? FindPostgresBinDirectory(IConfiguration configuration)
    {
        if (configuration[PostgresBinDirectoryKey] is { Length: > 0 } configured)
        {
            return HasPostgres(configured) ? configured : null;
        }
        var onPath = PathDirectories().FirstOrDefault(HasPostgres);
        if (onPath is not null)
        {
            return onPath;
        }
        // Debian and Ubuntu keep the server binaries off PATH, one folder per major version.
        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }
        return Directory.GetDirectories(debianRoot)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(x => HasPostgres(x.Dir))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }

    public static string? FindRedisServer(IConfiguration configuration)
    {
        if (configuration[RedisServerPathKey] is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }
        return PathDirectories().Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists);
    }

    public static string? FindOnPath(string program) =>
        PathDirectories().Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    /// <summary>Every problem that would stop the model from starting, each with what to do about it.</summary>
    public static IReadOnlyList<string> Check(IEnumerable<IResource> resources, IConfiguration configuration)
    {
        var problems = new List<string>();
        foreach (var resource in resources)
        {
            switch (resource)
            {
                case PostgresServerResource postgres when FindPostgresBinDirectory(configuration) is null:
                    var names = string.Join(" or ", postgres.Databases.Select(d => $"ConnectionStrings__{d.Name}").DefaultIfEmpty($"ConnectionStrings__{postgres.Name}"));
                    problems.Add($"'{postgres.Name}' needs the PostgreSQL server binaries (initdb, postgres), found neither on PATH nor in /usr/lib/postgresql/*/bin" +
                        (configuration[PostgresBinDirectoryKey] is { } dir ? $" nor in {PostgresBinDirectoryKey}={dir}" : "") +
                        $". Install them (Debian/Ubuntu: apt-get install postgresql), set {PostgresBinDirectoryKey}, or use an existing server by setting {names}.");
                    break;
                case PostgresServerResource postgres when UnixSignals.IsRoot && !File.ReadLines("/etc/passwd").Any(l => l.StartsWith("postgres:", StringComparison.Ordinal)):
                    problems.Add($"'{postgres.Name}': PostgreSQL refuses to run as root and there is no 'postgres' user to run it as. Install the postgresql package (it creates the user) or run the AppHost as a normal user.");
                    break;
                case RedisResource redis when FindRedisServer(configuration) is null:
                    problems.Add($"'{redis.Name}' needs redis-server, not found " +
                        (configuration[RedisServerPathKey] is { } path ? $"at {RedisServerPathKey}={path}" : "on PATH") +
                        $". Install it (Debian/Ubuntu: apt-get install redis-server), set {RedisServerPathKey}, or use an existing server by setting ConnectionStrings__{redis.Name}.");
                    break;
                case ProjectResource project when !File.Exists(project.Metadata.TargetPath):
                    problems.Add($"Project '{project.Name}' is not built ({project.Metadata.TargetPath} is missing): build the AppHost (dotnet build) first.");
                    break;
            }
        }
        return problems;
    }

    private static bool HasPostgres(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "postgres"));

    private static IEnumerable<string> PathDirectories() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
}
