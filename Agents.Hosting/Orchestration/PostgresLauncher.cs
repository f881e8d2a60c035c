using Npgsql;

namespace Agents.Hosting.Orchestration;

/// <summary>initdb into the run's folder, then postgres on the allocated port; as the postgres user when root.</summary>
internal sealed class PostgresLauncher(PostgresProbes probes) : IResourceLauncher
{
    public async Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, LaunchContext context, CancellationToken cancellationToken)
    {
        var server = (PostgresServerResource)instance.Resource;
        var bin = Prerequisites.FindPostgresBinDirectory(context.Configuration)
            ?? throw new DistributedApplicationException("PostgreSQL server binaries not found.");
        var root = Path.Combine(context.RunDirectory, server.Name);
        var data = Path.Combine(root, "data");
        RunFolders.Create(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var passwordFile = Path.Combine(root, "pwfile");
        await File.WriteAllTextAsync(passwordFile, server.Password, cancellationToken);
        var environment = LaunchContext.InheritedEnvironment();
        environment["LC_ALL"] = "C";

        if (UnixSignals.IsRoot)
        {
            // Postgres refuses to run as root: the folder goes to the postgres user, which runs initdb and the server.
            var chown = new ProcessSpec("chown", ["-R", "postgres:postgres", root], context.RunDirectory, environment);
            if (await ManagedProcess.RunToEndAsync(chown, (line, err) => context.Log(instance, line, err), cancellationToken) != 0)
            {
                throw new DistributedApplicationException($"Could not give {root} to the postgres user.");
            }
        }

        string[] initdbArgs = ["-D", data, "--username", server.UserName, "--pwfile", passwordFile, "--auth", "scram-sha-256",
            "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions"];
        var initdb = AsPostgresUser(Path.Combine(bin, "initdb"), initdbArgs, root, environment);
        context.Log(instance, $"initdb -D {data}");
        var exitCode = await ManagedProcess.RunToEndAsync(initdb, (line, err) => context.Log(instance, line, err), cancellationToken);
        File.Delete(passwordFile);
        if (exitCode != 0)
        {
            throw new DistributedApplicationException($"initdb failed with exit code {exitCode}.");
        }

        // Data lives only for this run, so durability settings that cost start time and latency are off. A commit does
        // not wait for its WAL write either (synchronous_commit): that wait was half of the message store's time in the
        // database, 0.6 ms against 0.3 per post_messages call (bench/realtime/README.md, "Straight from the store").
        // What it risks, the last 0.6 s of commits if this server process crashes, is a risk to data that is deleted
        // when the run stops.
        string[] serverArgs = ["-D", data, "-p", server.Port!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1", "-c", $"unix_socket_directories={root}", "-c", "fsync=off",
            "-c", "full_page_writes=off", "-c", "synchronous_commit=off", "-c", "max_connections=300", "-c", "log_min_messages=warning"];
        return AsPostgresUser(Path.Combine(bin, "postgres"), serverArgs, root, environment) with { StopSignal = UnixSignals.Int };
    }

    public async Task<string?> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        var server = (PostgresServerResource)instance.Resource;
        return await probes.CheckAsync($"{await server.GetConnectionStringAsync(cancellationToken)};Database=postgres", cancellationToken);
    }

    private static ProcessSpec AsPostgresUser(string program, string[] args, string workingDirectory, Dictionary<string, string> environment)
    {
        if (!UnixSignals.IsRoot)
        {
            return new ProcessSpec(program, args, workingDirectory, environment);
        }
        // setpriv execs the program (no extra parent process), so the pid we hold is the server's.
        string[] asUser = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", program, .. args];
        return new ProcessSpec("setpriv", asUser, workingDirectory, environment);
    }
}

/// <summary>Creates the database on its server (which it waits for) and checks it accepts connections.</summary>
internal sealed class PostgresDatabaseLauncher(PostgresProbes probes) : IResourceLauncher
{
    public async Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, LaunchContext context, CancellationToken cancellationToken)
    {
        var database = (PostgresDatabaseResource)instance.Resource;
        var server = await database.Server.GetConnectionStringAsync(cancellationToken);
        await using var connection = new NpgsqlConnection($"{server};Database=postgres;Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database.DatabaseName } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            var create = new NpgsqlCommandBuilder().QuoteIdentifier(database.DatabaseName);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {create}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
            context.Log(instance, $"Created database {database.DatabaseName}.");
        }
        return null;
    }

    public async Task<string?> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        var database = (PostgresDatabaseResource)instance.Resource;
        return await probes.CheckAsync((await database.GetConnectionStringAsync(cancellationToken))!, cancellationToken);
    }
}
