using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Npgsql;
using Sparkify.Warehouse.Migrations.Internal;
using Sparkify.Warehouse.Migrations.Operations;
using Sparkify.Warehouse.Tests.TestUtilities;

namespace Sparkify.Warehouse.Tests.Migrations;

public sealed partial class MigrationTests
{
    // The seed schema's columns in order (README "The schema"), then the extra columns the load needs; with PostgreSQL types.
    private static readonly Dictionary<string, (string Column, string Type)[]> ExpectedTables = new()
    {
        ["staging_events"] =
        [
            ("artist", "character varying(1024)"), ("auth", "character varying(32)"), ("first_name", "character varying(1024)"),
            ("gender", "character varying(32)"), ("item_in_session", "integer"), ("last_name", "character varying(1024)"),
            ("length", "double precision"), ("level", "character varying(32)"), ("location", "character varying(1024)"),
            ("method", "character varying(32)"), ("page", "character varying(32)"), ("registration", "double precision"),
            ("session_id", "integer"), ("song", "character varying(1024)"), ("status", "integer"), ("ts", "bigint"),
            ("user_agent", "character varying(1024)"), ("user_id", "character varying(64)"),
        ],
        ["staging_songs"] =
        [
            ("num_songs", "integer"), ("artist_id", "character varying(64)"), ("artist_latitude", "double precision"),
            ("artist_longitude", "double precision"), ("artist_location", "character varying(1024)"),
            ("artist_name", "character varying(1024)"), ("song_id", "character varying(64)"), ("title", "character varying(1024)"),
            ("duration", "double precision"), ("year", "integer"),
        ],
        ["songplays"] =
        [
            ("songplay_id", "bigint"), ("start_time", "timestamp without time zone"), ("user_id", "integer"),
            ("level", "character varying(32)"), ("song_id", "character varying(64)"), ("artist_id", "character varying(64)"),
            ("session_id", "integer"), ("location", "character varying(1024)"), ("user_agent", "character varying(1024)"),
            ("item_in_session", "integer"), ("song_title", "character varying(1024)"), ("artist_name", "character varying(1024)"),
            ("song_length", "double precision"),
        ],
        ["users"] =
        [
            ("user_id", "integer"), ("first_name", "character varying(1024)"), ("last_name", "character varying(1024)"),
            ("gender", "character varying(32)"), ("level", "character varying(32)"), ("last_event_ts", "bigint"),
            ("last_item_in_session", "integer"),
        ],
        ["songs"] =
        [
            ("song_id", "character varying(64)"), ("title", "character varying(1024)"), ("artist_id", "character varying(64)"),
            ("year", "integer"), ("duration", "double precision"), ("artist_name", "character varying(1024)"),
        ],
        ["artists"] =
        [
            ("artist_id", "character varying(64)"), ("name", "character varying(1024)"), ("location", "character varying(1024)"),
            ("latitude", "double precision"), ("longitude", "double precision"), ("source_song_id", "character varying(64)"),
        ],
        ["time"] =
        [
            ("start_time", "timestamp without time zone"), ("hour", "integer"), ("day", "integer"), ("week", "integer"),
            ("month", "integer"), ("year", "integer"), ("weekday", "integer"),
        ],
        ["load_files"] =
        [
            ("uri", "character varying(2048)"), ("size_bytes", "bigint"), ("etag", "character varying(128)"),
            ("modified_at", "timestamp without time zone"), ("run_id", "character varying(36)"), ("records_staged", "bigint"),
            ("records_rejected", "bigint"), ("loaded_at", "timestamp without time zone"),
        ],
    };

    private static readonly string[] AuditTables = ["load_runs", "load_errors", "staging_manifests"];

    [Fact]
    public async Task Migrate_creates_every_table_and_column_with_the_intended_types()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("migrate");
        await using (var context = CreateContext(connectionString))
        {
            await context.Database.MigrateAsync();
        }

        await AssertSchemaAsync(connectionString);
    }

    [Fact]
    public async Task Sparkify_migrate_applies_pending_migrations_and_then_reports_up_to_date()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("climigrate");

        var first = await CliRunner.RunAsync("migrate", "--connection", connectionString);
        var second = await CliRunner.RunAsync("migrate", "--connection", connectionString);

        Assert.True(first.ExitCode == 0, first.ToString());
        await using (var context = CreateContext(connectionString))
        {
            Assert.Contains($"Applied {context.Database.GetMigrations().Count()} migration(s)", first.Out, StringComparison.Ordinal);
        }

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("up to date", second.Out, StringComparison.Ordinal);
        await AssertSchemaAsync(connectionString);
    }

    [Fact]
    public async Task Dotnet_ef_database_update_builds_the_schema_from_the_repository_root()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("efupdate");

        var result = await ProcessRunner.RunAsync("dotnet", ["tool", "run", "dotnet-ef", "database", "update", "--project", "Sparkify.Warehouse", "--no-build"],
            environment: new Dictionary<string, string?> { ["SPARKIFY_CONNECTION"] = connectionString });

        Assert.True(result.ExitCode == 0, result.ToString());
        await AssertSchemaAsync(connectionString);
    }

    [Fact]
    public async Task Migrating_down_to_zero_removes_every_table_and_up_again_restores_them()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("downup");
        Assert.Equal(0, (await CliRunner.RunAsync("migrate", "--connection", connectionString)).ExitCode);

        var down = await CliRunner.RunAsync("migrate", "--connection", connectionString, "--target", "0");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Empty(await TableNamesAsync(connectionString));

        var up = await CliRunner.RunAsync("migrate", "--connection", connectionString);
        Assert.True(up.ExitCode == 0, up.ToString());
        await AssertSchemaAsync(connectionString);
    }

    [Fact]
    public async Task Redshift_script_is_redshift_sql_with_the_designed_distribution_and_sort_keys()
    {
        var result = await CliRunner.RunAsync("migrate", "--script", "--provider", "redshift");
        Assert.True(result.ExitCode == 0, result.ToString());
        var sql = result.Out;

        await Sqlfluff.AssertParsesAsync(sql);

        // The script runs every migration in order, so a table's last layout statement is the one that holds.
        // Column additions (ALTER TABLE ... ADD) are not layout statements.
        var layout = FinalLayout(Regex.Matches(sql, @"^ALTER TABLE ""[^""]+"" ALTER (?:DISTSTYLE|COMPOUND SORTKEY|SORTKEY)\b[^;]*(?=;)", RegexOptions.Multiline).Select(m => m.Value));
        Assert.Equal(DesignedLayout.Order(StringComparer.Ordinal), layout);
        Assert.Contains("songplay_id bigint IDENTITY(1,1) NOT NULL", sql, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Matches(sql, @"\)\s*BACKUP NO;").Count);

        string[] forbidden = ["DROP NOT NULL", "SET NOT NULL", "CREATE INDEX", "CREATE UNIQUE INDEX", "CREATE SEQUENCE", "GENERATED", "SERIAL", "ON CONFLICT", "IN ACCESS EXCLUSIVE MODE", "DO $", "jsonb", "uuid", "UNLOGGED", "FOREIGN KEY"];
        Assert.All(forbidden, word => Assert.DoesNotContain(word, sql, StringComparison.OrdinalIgnoreCase));
        // Unbounded strings: Redshift would silently make them VARCHAR(256).
        Assert.DoesNotMatch(new Regex(@"\btext\b|character varying(?!\()|varchar(?!\()", RegexOptions.IgnoreCase), sql);
    }

    [Fact]
    public async Task Postgres_script_carries_no_redshift_only_clause()
    {
        var result = await CliRunner.RunAsync("migrate", "--script", "--provider", "postgres");
        Assert.True(result.ExitCode == 0, result.ToString());

        string[] redshiftOnly = ["DISTKEY", "DISTSTYLE", "SORTKEY", "BACKUP NO", "IDENTITY(1,1)", "ENCODE"];
        Assert.All(redshiftOnly, word => Assert.DoesNotContain(word, result.Out, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("CREATE UNLOGGED TABLE staging_events", result.Out, StringComparison.Ordinal);
        Assert.Contains("GENERATED BY DEFAULT AS IDENTITY", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Migrations_redshift_sql_is_exactly_what_the_model_annotations_say()
    {
        using var context = CreateContext("Host=localhost");

        var fromModel = context.Model.GetEntityTypes()
            .SelectMany(RedshiftTableLayout.AlterStatements)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(DesignedLayout.Order(StringComparer.Ordinal), fromModel);
        Assert.Equal(fromModel, FinalLayout(RedshiftSqlOf(context, migration => migration.UpOperations).Where(IsLayout)));
    }

    [Fact]
    public void The_redshift_keys_migration_changes_exactly_the_distribution_the_data_argues_against_and_down_restores_it()
    {
        using var context = CreateContext("Host=localhost");
        var migrationsAssembly = context.GetService<IMigrationsAssembly>();
        var migration = migrationsAssembly.CreateMigration(migrationsAssembly.Migrations.Single(m => m.Key.EndsWith("_RedshiftKeysFromData", StringComparison.Ordinal)).Value, "Npgsql.EntityFrameworkCore.PostgreSQL");

        Assert.Equal(
            [
                "ALTER TABLE \"songplays\" ALTER DISTSTYLE KEY DISTKEY \"start_time\"",
                "ALTER TABLE \"time\" ALTER DISTSTYLE KEY DISTKEY \"start_time\"",
                "ALTER TABLE \"staging_events\" ALTER DISTSTYLE EVEN",
                "ALTER TABLE \"staging_songs\" ALTER DISTSTYLE KEY DISTKEY \"song_id\"",
            ],
            migration.UpOperations.Select(o => Assert.IsType<RedshiftSqlOperation>(o).Sql));

        // Down puts back what the migrations before it built.
        var before = RedshiftSqlOf(context, m => m.UpOperations, until: migration.GetType());
        var restored = FinalLayout(before.Concat(migration.DownOperations.Select(o => Assert.IsType<RedshiftSqlOperation>(o).Sql)));
        Assert.Equal(FinalLayout(before), restored);
        Assert.Contains("ALTER TABLE \"songplays\" ALTER DISTSTYLE KEY DISTKEY \"song_id\"", restored);
    }

    [Fact]
    public async Task The_redshift_keys_migration_is_harmless_on_postgresql_up_and_down()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("rskeys");
        try
        {
            await using var context = CreateContext(connectionString);
            var migrations = context.Database.GetMigrations().ToList();
            var keys = migrations.Single(m => m.EndsWith("_RedshiftKeysFromData", StringComparison.Ordinal));
            var migrator = context.GetService<IMigrator>();
            Assert.DoesNotContain("ALTER", migrator.GenerateScript(migrations[migrations.IndexOf(keys) - 1], keys), StringComparison.Ordinal);

            await context.Database.MigrateAsync();
            await migrator.MigrateAsync(migrations[migrations.IndexOf(keys) - 1]);
            await context.Database.MigrateAsync();
            await AssertSchemaAsync(connectionString);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    // The Redshift layout the design chose (README, "Redshift table design"), written out here rather
    // than read from the model, so a change to either shows up.
    private static readonly string[] DesignedLayout =
    [
        "ALTER TABLE \"songplays\" ALTER DISTSTYLE KEY DISTKEY \"start_time\"",
        "ALTER TABLE \"songplays\" ALTER COMPOUND SORTKEY (\"start_time\")",
        "ALTER TABLE \"time\" ALTER DISTSTYLE KEY DISTKEY \"start_time\"",
        "ALTER TABLE \"time\" ALTER COMPOUND SORTKEY (\"start_time\")",
        "ALTER TABLE \"songs\" ALTER DISTSTYLE KEY DISTKEY \"song_id\"",
        "ALTER TABLE \"songs\" ALTER COMPOUND SORTKEY (\"song_id\")",
        "ALTER TABLE \"users\" ALTER DISTSTYLE ALL",
        "ALTER TABLE \"users\" ALTER COMPOUND SORTKEY (\"user_id\")",
        "ALTER TABLE \"artists\" ALTER DISTSTYLE ALL",
        "ALTER TABLE \"artists\" ALTER COMPOUND SORTKEY (\"artist_id\")",
        "ALTER TABLE \"staging_events\" ALTER DISTSTYLE EVEN",
        "ALTER TABLE \"staging_songs\" ALTER DISTSTYLE KEY DISTKEY \"song_id\"",
    ];

    /// <summary>The Redshift-only SQL of every migration in order, up to (not including) <paramref name="until"/>.</summary>
    private static List<string> RedshiftSqlOf(WarehouseDbContext context, Func<Migration, IEnumerable<MigrationOperation>> operations, Type? until = null)
    {
        var migrationsAssembly = context.GetService<IMigrationsAssembly>();
        return [.. migrationsAssembly.Migrations.Values
            .TakeWhile(type => type != until)
            .Select(type => migrationsAssembly.CreateMigration(type, "Npgsql.EntityFrameworkCore.PostgreSQL"))
            .SelectMany(operations)
            .OfType<RedshiftSqlOperation>()
            .Select(operation => operation.Sql)];
    }

    private static bool IsLayout(string statement) => LayoutPattern().IsMatch(statement);

    /// <summary>
    /// Replays <c>ALTER TABLE</c> layout statements in order: each table ends with its last distribution
    /// statement and its last sort key statement. Returned sorted.
    /// </summary>
    private static List<string> FinalLayout(IEnumerable<string> statements)
    {
        var last = new Dictionary<(string Table, bool Sort), string>();
        foreach (var statement in statements)
        {
            var match = LayoutPattern().Match(statement);
            Assert.True(match.Success, $"Not a layout statement: {statement}");
            last[(match.Groups[1].Value, match.Groups[2].Value.EndsWith("SORTKEY", StringComparison.Ordinal))] = statement;
        }

        return [.. last.Values.Order(StringComparer.Ordinal)];
    }

    [GeneratedRegex(@"^ALTER TABLE (""[^""]+"") ALTER (DISTSTYLE|COMPOUND SORTKEY|SORTKEY)\b")]
    private static partial Regex LayoutPattern();

    [Fact]
    public async Task Model_has_no_pending_changes_against_the_committed_migrations()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("pending");
        await using var context = CreateContext(connectionString);
        Assert.False(context.Database.HasPendingModelChanges(), "The model changed without a migration: run dotnet ef migrations add.");
    }

    private static WarehouseDbContext CreateContext(string connectionString)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(connectionString).Options);

    private static async Task AssertSchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var (table, columns) in ExpectedTables)
        {
            var actual = new List<(string, string)>();
            await using var command = new NpgsqlCommand(
                """
                SELECT a.attname, format_type(a.atttypid, a.atttypmod)
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relname = @table AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """, connection);
            command.Parameters.AddWithValue("table", table);
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    actual.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            Assert.Equal(columns, actual);
        }

        var tables = await TableNamesAsync(connectionString);
        Assert.Superset(new HashSet<string>(ExpectedTables.Keys.Concat(AuditTables)), tables);
    }

    private static async Task<HashSet<string>> TableNamesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory'", connection);
        var names = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
