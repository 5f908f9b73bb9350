using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Infrastructure.Internal;

namespace Sparkify.Warehouse.Preflight;

/// <summary>
/// Checks, before a first load, that a load can work: the warehouse connects (encrypted, on Redshift),
/// is the kind of server the provider says, is migrated, and grants the user every privilege a load
/// uses; the sources list and hold JSON files that the target can read; the JSONPaths file maps the
/// 18 event columns; and, on Redshift, the IAM role is a well-formed ARN. <c>sparkify doctor</c> runs it.
/// </summary>
/// <remarks>
/// Nothing is written: the checks only connect, read the catalog and list or read the sources. Every
/// check runs (one failing does not stop the others), except that the database checks after a failed
/// connection or a server of the wrong kind are skipped.
/// </remarks>
public static class WarehousePreflight
{
    /// <summary>Runs every check and returns them in a fixed order: connection, server, migrations, privileges, songs, events, jsonpaths, iam-role.</summary>
    /// <example>
    /// <code>
    /// var report = await WarehousePreflight.RunAsync(options, new PreflightRequest { SongsSource = "s3://udacity-dend/song_data" });
    /// foreach (var check in report.Checks.Where(c => c.Status == PreflightStatus.Fail))
    /// {
    ///     Console.WriteLine($"{check.Name}: {check.Detail} Fix: {check.Fix}");
    /// }
    /// </code>
    /// </example>
    /// <param name="options">The warehouse settings a load would use (connection string, provider, IAM role, S3).</param>
    /// <param name="request">The sources to check; any of them may be left out.</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    /// <returns>The report; <see cref="PreflightReport.Passed"/> says whether nothing failed.</returns>
    public static async Task<PreflightReport> RunAsync(WarehouseOptions options, PreflightRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(request);

        var checks = new List<PreflightCheck>();
        checks.AddRange(await DatabasePreflight.RunAsync(options, cancellationToken).ConfigureAwait(false));
        checks.AddRange(await SourcePreflight.RunAsync(options, request, cancellationToken).ConfigureAwait(false));
        checks.Add(SourcePreflight.CheckIamRole(options));
        return new PreflightReport(checks);
    }
}

/// <summary>The checks that talk to the warehouse: connection, server kind, migrations, privileges.</summary>
internal static class DatabasePreflight
{
    public const string ConnectionCheck = "connection";
    public const string ServerCheck = "server";
    public const string MigrationsCheck = "migrations";
    public const string PrivilegesCheck = "privileges";

    private static readonly string[] StagingTables = ["staging_events", "staging_songs"];

    private static readonly string[] StarTables = ["songplays", "users", "songs", "artists", "time"];

    public static async Task<IReadOnlyList<PreflightCheck>> RunAsync(WarehouseOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return WithRestSkipped(
                new PreflightCheck(ConnectionCheck, PreflightStatus.Fail, "no connection string is configured",
                    "give the warehouse's connection string: --connection, SPARKIFY_CONNECTION or Sparkify:ConnectionString (Host=…;Database=…;Username=…;Password=…)"),
                "no connection");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            // Every check connects as a load would, with the same TLS rule (VerifyFull on Redshift by default).
            builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            builder = new NpgsqlConnectionStringBuilder(WarehouseConnectionString.ForProvider(builder.ConnectionString, options.Provider)) { Pooling = false };
        }
        catch (ArgumentException)
        {
            // Not quoted: the text may hold a password in a place Npgsql did not expect.
            return WithRestSkipped(
                new PreflightCheck(ConnectionCheck, PreflightStatus.Fail, "the connection string is not a valid Npgsql connection string",
                    "write it as keyword=value pairs separated by ';' (Host=…;Port=…;Database=…;Username=…;Password=…)"),
                "no connection");
        }

        var target = Describe(builder);
        // Npgsql does not expose whether a session is encrypted; it calls this only when TLS is negotiated.
        var encrypted = false;
        var connection = new NpgsqlConnection(builder.ConnectionString) { SslClientAuthenticationOptionsCallback = _ => encrypted = true };
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsDatabaseFailure(exception, cancellationToken))
            {
                return WithRestSkipped(
                    new PreflightCheck(ConnectionCheck, PreflightStatus.Fail, $"could not connect to {target}: {DescribeFailure(exception)}", ConnectFix(exception)),
                    "no connection");
            }

            var checks = new List<PreflightCheck> { CheckTls(options.Provider, encrypted, builder, target) };
            var server = await RunGuardedAsync(ServerCheck, () => CheckServerAsync(options.Provider, connection, cancellationToken), cancellationToken).ConfigureAwait(false);
            checks.Add(server);
            if (server.Status != PreflightStatus.Pass)
            {
                checks.Add(Skipped(MigrationsCheck, "the server is not what the provider says"));
                checks.Add(Skipped(PrivilegesCheck, "the server is not what the provider says"));
                return checks;
            }

            checks.Add(await RunGuardedAsync(MigrationsCheck, () => CheckMigrationsAsync(options.Provider, builder, cancellationToken), cancellationToken).ConfigureAwait(false));
            checks.Add(await RunGuardedAsync(PrivilegesCheck, () => CheckPrivilegesAsync(options.Provider, connection, cancellationToken), cancellationToken).ConfigureAwait(false));
            return checks;
        }
    }

    /// <summary><c>user@host:port/database</c>: where a connection string points, without its password.</summary>
    internal static string Describe(NpgsqlConnectionStringBuilder builder)
        => string.Create(CultureInfo.InvariantCulture, $"{builder.Username ?? "(default user)"}@{builder.Host ?? "(default host)"}:{builder.Port}/{builder.Database ?? "(default database)"}");

    private static PreflightCheck CheckTls(WarehouseProvider provider, bool encrypted, NpgsqlConnectionStringBuilder builder, string target)
    {
        var mode = $"SSL Mode={builder.SslMode}";
        if (!encrypted)
        {
            return provider == WarehouseProvider.Redshift
                ? new PreflightCheck(ConnectionCheck, PreflightStatus.Fail, $"connected to {target}, but the session is not encrypted ({mode})",
                    "add SSL Mode=VerifyFull to the connection string: Redshift supports TLS, and its certificates chain to public CAs")
                : new PreflightCheck(ConnectionCheck, PreflightStatus.Pass, $"connected to {target}; not encrypted ({mode})");
        }

        var verified = builder.SslMode is SslMode.VerifyCA or SslMode.VerifyFull;
        return new PreflightCheck(ConnectionCheck, PreflightStatus.Pass, verified
            ? $"connected to {target}; TLS-encrypted, server certificate verified ({mode})"
            : $"connected to {target}; TLS-encrypted, server certificate not verified ({mode}; SSL Mode=VerifyFull would verify it)");
    }

    private static async Task<PreflightCheck> CheckServerAsync(WarehouseProvider provider, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var version = await ScalarTextAsync(connection, "SELECT version()", cancellationToken).ConfigureAwait(false);
        var isRedshift = version.Contains("Redshift", StringComparison.OrdinalIgnoreCase);
        var shown = version.Length <= 120 ? version : version[..120] + "…";
        return (provider, isRedshift) switch
        {
            (WarehouseProvider.Redshift, false) => new PreflightCheck(ServerCheck, PreflightStatus.Fail,
                $"the provider is redshift, but the server is not Amazon Redshift: {shown}",
                "use --provider postgres (Sparkify:Provider), or connect to the Redshift cluster's endpoint"),
            (WarehouseProvider.Postgres, true) => new PreflightCheck(ServerCheck, PreflightStatus.Fail,
                $"the provider is postgres, but the server is Amazon Redshift: {shown}",
                "use --provider redshift (Sparkify:Provider): Redshift needs its own DDL and loads through COPY from S3"),
            _ => new PreflightCheck(ServerCheck, PreflightStatus.Pass, $"{(isRedshift ? "Amazon Redshift" : "PostgreSQL")}, as the provider says: {shown}"),
        };
    }

    private static async Task<PreflightCheck> CheckMigrationsAsync(WarehouseProvider provider, NpgsqlConnectionStringBuilder builder, CancellationToken cancellationToken)
    {
        var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(builder.ConnectionString, provider).Options);
        await using (context.ConfigureAwait(false))
        {
            var all = context.Database.GetMigrations().ToList();
            List<string> applied;
            try
            {
                applied = [.. await context.Database.GetAppliedMigrationsAsync(cancellationToken).ConfigureAwait(false)];
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                // The least-privilege loader may not read the history; the privileges check still finds missing tables.
                return new PreflightCheck(MigrationsCheck, PreflightStatus.Skip,
                    $"{builder.Username ?? "this user"} may not read the migrations history ({exception.MessageText})",
                    "run doctor as the role that owns the tables (the one that runs sparkify migrate) to see pending migrations");
            }

            var pending = all.Except(applied, StringComparer.Ordinal).ToList();
            var unknown = applied.Except(all, StringComparer.Ordinal).ToList();
            if (pending.Count > 0)
            {
                return new PreflightCheck(MigrationsCheck, PreflightStatus.Fail,
                    string.Create(CultureInfo.InvariantCulture, $"{pending.Count} of {all.Count} migrations not applied: {string.Join(", ", pending)}"),
                    "run sparkify migrate (as the role that owns the tables) with the same provider and connection");
            }

            if (unknown.Count > 0)
            {
                return new PreflightCheck(MigrationsCheck, PreflightStatus.Fail,
                    $"the database has migrations this version of Sparkify.Warehouse does not know: {string.Join(", ", unknown)}",
                    "use the version of sparkify that migrated this database, or a newer one");
            }

            return new PreflightCheck(MigrationsCheck, PreflightStatus.Pass,
                string.Create(CultureInfo.InvariantCulture, $"all {all.Count} migrations applied (latest {all[^1]})"));
        }
    }

    /// <summary>
    /// The privileges a load uses, per table. PostgreSQL loads empty staging with <c>TRUNCATE</c> (and
    /// the star tables on a full refresh); Redshift's <c>TRUNCATE</c> would commit the load's transaction,
    /// so loads there use <c>DELETE</c>, and Redshift's <c>has_table_privilege</c> knows no TRUNCATE.
    /// </summary>
    internal static IReadOnlyList<(string Table, string[] Privileges)> RequiredPrivileges(WarehouseProvider provider)
    {
        var truncate = provider == WarehouseProvider.Postgres ? new[] { "TRUNCATE" } : [];
        return
        [
            .. StagingTables.Select(t => (t, (string[])["SELECT", "INSERT", "DELETE", .. truncate])),
            .. StarTables.Select(t => (t, (string[])["SELECT", "INSERT", "UPDATE", "DELETE", .. truncate])),
            ("load_runs", ["SELECT", "INSERT", "UPDATE"]),
            ("load_errors", ["SELECT", "INSERT"]),
            // The ledger of loaded files: read to choose the files, its rows replaced when a file is re-read.
            ("load_files", ["SELECT", "INSERT", "DELETE"]),
        ];
    }

    /// <summary>PostgreSQL only: without these a load still works, but restages unchanged song files every time.</summary>
    private static readonly (string Table, string[] Privileges) ManifestPrivileges = ("staging_manifests", ["SELECT", "INSERT", "DELETE"]);

    private static async Task<PreflightCheck> CheckPrivilegesAsync(WarehouseProvider provider, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var required = RequiredPrivileges(provider);
        IReadOnlyList<(string Table, string[] Privileges)> optional = provider == WarehouseProvider.Postgres ? [ManifestPrivileges] : [];

        // Redshift's has_table_privilege fails on a table that does not exist, so existence comes first.
        var names = required.Concat(optional).Select(r => r.Table).ToList();
        var existing = new HashSet<string>(StringComparer.Ordinal);
        var owned = new HashSet<string>(StringComparer.Ordinal);
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            // pg_user exists on both targets (PostgreSQL's pg_roles does not exist on Redshift).
            command.CommandText = "SELECT c.relname, c.relowner = (SELECT u.usesysid FROM pg_catalog.pg_user AS u WHERE u.usename = current_user) "
                + "FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
                + $"WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname IN ({string.Join(", ", names.Select(n => $"'{n}'"))})";
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    existing.Add(reader.GetString(0));
                    if (!reader.IsDBNull(1) && reader.GetBoolean(1))
                    {
                        owned.Add(reader.GetString(0));
                    }
                }
            }
        }

        var missingTables = required.Select(r => r.Table).Where(t => !existing.Contains(t)).ToList();
        if (missingTables.Count > 0)
        {
            return new PreflightCheck(PrivilegesCheck, PreflightStatus.Fail,
                $"tables a load writes do not exist in the current schema: {string.Join(", ", missingTables)}",
                "run sparkify migrate (as the role that will own the tables)");
        }

        // One statement of leader-node functions only (Redshift refuses them next to user tables).
        var probes = required.Concat(optional.Where(o => existing.Contains(o.Table)))
            .SelectMany(r => r.Privileges.Select(p => (r.Table, Privilege: p))).ToList();
        string user;
        string database;
        bool schemaUsage;
        bool temporary;
        var granted = new bool[probes.Count];
        command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = "SELECT current_user, current_database(), has_schema_privilege(current_schema(), 'USAGE'), has_database_privilege(current_database(), 'TEMPORARY'), "
                + string.Join(", ", probes.Select(p => $"has_table_privilege('\"{p.Table}\"', '{p.Privilege}')"));
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                (user, database, schemaUsage, temporary) = (reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3));
                for (var i = 0; i < probes.Count; i++)
                {
                    granted[i] = reader.GetBoolean(4 + i);
                }
            }
        }

        var lacking = probes.Where((p, i) => !granted[i]).ToList();
        var lackingRequired = lacking.Where(p => p.Table != ManifestPrivileges.Table).GroupBy(p => p.Table).ToList();
        var grants = lackingRequired.Select(g => $"GRANT {string.Join(", ", g.Select(p => p.Privilege))} ON {Quote(g.Key)} TO {Quote(user)};").ToList();
        var problems = lackingRequired.Select(g => $"{string.Join(", ", g.Select(p => p.Privilege))} on {g.Key}").ToList();
        if (!schemaUsage)
        {
            problems.Insert(0, "USAGE on the schema");
            grants.Insert(0, $"GRANT USAGE ON SCHEMA <schema> TO {Quote(user)};");
        }

        if (!temporary)
        {
            // The transform stages candidate rows in temporary tables.
            problems.Add($"TEMPORARY on database {database}");
            grants.Add($"GRANT TEMPORARY ON DATABASE {Quote(database)} TO {Quote(user)};");
        }

        var notes = "";
        if (optional.Count > 0 && (lacking.Any(p => p.Table == ManifestPrivileges.Table) || !existing.Contains(ManifestPrivileges.Table)))
        {
            notes += $"; without SELECT, INSERT, DELETE on {ManifestPrivileges.Table} every load restages the song files";
        }

        // Not a failure: loads work, but only a table's owner may refresh its statistics.
        var notOwned = StagingTables.Where(t => !owned.Contains(t)).ToList();
        if (notOwned.Count > 0)
        {
            notes += $"; not the owner of {string.Join(" and ", notOwned)}, so loads skip their statistics ("
                + (provider == WarehouseProvider.Redshift ? "ANALYZE and COPY's STATUPDATE need the owner)" : "ANALYZE needs the owner)");
        }

        if (problems.Count > 0)
        {
            return new PreflightCheck(PrivilegesCheck, PreflightStatus.Fail, $"{user} lacks {string.Join("; ", problems)}{notes}",
                "as the owner of the tables: " + string.Join(" ", grants));
        }

        return new PreflightCheck(PrivilegesCheck, PreflightStatus.Pass,
            string.Create(CultureInfo.InvariantCulture, $"{user} holds the {probes.Count - lacking.Count} table privileges a load uses, schema USAGE and TEMPORARY{notes}"));
    }

    private static async Task<string> ScalarTextAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = sql;
            return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) ?? "";
        }
    }

    /// <summary>Runs one check; a database failure while it runs is that check's failure, not the report's.</summary>
    private static async Task<PreflightCheck> RunGuardedAsync(string name, Func<Task<PreflightCheck>> check, CancellationToken cancellationToken)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (Exception exception) when (IsDatabaseFailure(exception, cancellationToken))
        {
            return new PreflightCheck(name, PreflightStatus.Fail, DescribeFailure(exception),
                "see the database's message; rerun with --verbose for the statements");
        }
    }

    private static bool IsDatabaseFailure(Exception exception, CancellationToken cancellationToken)
        => exception is DbException or SocketException or TimeoutException or IOException or AuthenticationException or InvalidOperationException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static string DescribeFailure(Exception exception) => exception switch
    {
        // Npgsql's messages never carry the password; PostgresException adds the SQLSTATE.
        PostgresException pg => $"the server said: {pg.MessageText} (SQLSTATE {pg.SqlState})",
        OperationCanceledException or TimeoutException => "the server did not answer in time",
        _ => exception.GetBaseException().Message,
    };

    private static string ConnectFix(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification }
            => "check Username and Password in the connection string",
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName }
            => "check Database in the connection string, or create the database",
        _ when exception.GetBaseException() is AuthenticationException
            => "the server's TLS certificate was not accepted: check Host (it must match the certificate) and the system's trusted CAs",
        _ => "check Host and Port, and that the server runs and is reachable from here (on Redshift: the cluster's security group and public accessibility)",
    };

    private static string Quote(string identifier)
        => identifier.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_') && !char.IsAsciiDigit(identifier[0]) && identifier != "time"
            ? identifier
            : "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static PreflightCheck Skipped(string name, string reason) => new(name, PreflightStatus.Skip, reason, "fix the checks above first");

    private static IReadOnlyList<PreflightCheck> WithRestSkipped(PreflightCheck connection, string reason)
        => [connection, Skipped(ServerCheck, reason), Skipped(MigrationsCheck, reason), Skipped(PrivilegesCheck, reason)];
}
