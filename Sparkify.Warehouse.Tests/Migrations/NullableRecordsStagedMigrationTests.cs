using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Npgsql;
using Sparkify.Warehouse.Migrations.Internal;
using Sparkify.Warehouse.Tests.TestUtilities;
using Stand = Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn.RedshiftStandIn;

namespace Sparkify.Warehouse.Tests.Migrations;

/// <summary>
/// The migration that makes <c>load_files.records_staged</c> nullable, on warehouses that hold ledger
/// rows the previous schema wrote (NOT NULL, -1 for a count not known per file): on PostgreSQL and
/// through the Redshift stand-in, each migrated by <c>sparkify migrate</c>, up turns -1 into NULL and
/// keeps every count, down writes NULL back as -1. Redshift cannot change a column's nullability, so its
/// steps are a new column, a copy, a drop and a rename, which sqlfluff must parse as Redshift SQL.
/// </summary>
public sealed class NullableRecordsStagedMigrationTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const string Previous = "RedshiftKeysFromData";
    private const string Migration = "NullableRecordsStaged";

    // As the previous version wrote them: a lone file's count, a file that staged nothing, and two files
    // a Redshift COPY read together (-1).
    private static readonly (string Uri, long Staged)[] OldRows =
    [
        ("s3://bucket/log_data/2018/11/2018-11-01-events.json", 118),
        ("s3://bucket/log_data/2018/11/2018-11-02-events.json", 0),
        ("s3://bucket/song_data/A/A/A/TRAAAAW128F429D538.json", -1),
        ("s3://bucket/song_data/A/A/B/TRAABCL128F4286650.json", -1),
    ];

    // A file the new schema recorded without a count of its own.
    private const string NewUnknown = "s3://bucket/song_data/A/A/C/TRAACCG128F92E8A55.json";

    [Fact]
    public async Task On_postgresql_up_turns_minus_one_into_null_and_keeps_the_counts_and_down_writes_null_back_as_minus_one()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("nullstaged");
        try
        {
            await UpgradeAndDowngradeAsync("postgres", connectionString, connectionString);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public async Task Through_the_redshift_stand_in_up_and_down_move_the_values_to_a_new_column_and_never_alter_a_column()
    {
        await using var standIn = await Stand.StartAsync(s3.Client);

        await UpgradeAndDowngradeAsync("redshift", standIn.ConnectionString, standIn.DatabaseConnectionString);

        // Redshift has no ALTER COLUMN ... DROP/SET NOT NULL (the stand-in refuses it too): none was sent.
        Assert.DoesNotContain(standIn.Statements, sql => sql.Contains("ALTER COLUMN", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(standIn.Statements, sql => sql.Contains("RENAME COLUMN \"records_staged_nullable\" TO \"records_staged\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_redshift_steps_up_and_down_are_redshift_sql_and_the_postgresql_steps_alter_the_column_in_place()
    {
        var up = Script("redshift", Previous, Migration);
        var down = Script("redshift", Migration, Previous);

        await Sqlfluff.AssertParsesAsync(up);
        await Sqlfluff.AssertParsesAsync(down);
        Assert.All(new[] { up, down }, sql => Assert.DoesNotContain("ALTER COLUMN", sql, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("ADD COLUMN \"records_staged_nullable\" BIGINT NULL;", up, StringComparison.Ordinal);
        Assert.Contains("ADD COLUMN \"records_staged_not_null\" BIGINT DEFAULT -1 NOT NULL;", down, StringComparison.Ordinal);

        var postgresUp = Script("postgres", Previous, Migration);
        Assert.Contains("ALTER TABLE load_files ALTER COLUMN records_staged DROP NOT NULL;", postgresUp, StringComparison.Ordinal);
        Assert.DoesNotContain("records_staged_nullable", postgresUp, StringComparison.Ordinal);
        await Sqlfluff.AssertParsesAsync(postgresUp, dialect: Sqlfluff.Postgres);
        var postgresDown = Script("postgres", Migration, Previous);
        Assert.Contains("ALTER TABLE load_files ALTER COLUMN records_staged SET NOT NULL;", postgresDown, StringComparison.Ordinal);
        await Sqlfluff.AssertParsesAsync(postgresDown, dialect: Sqlfluff.Postgres);
    }

    [Fact]
    public void On_redshift_an_alter_column_is_refused_unless_marked_postgresql_only_which_only_postgresql_runs()
    {
        static AlterColumnOperation Alter() => new()
        {
            Table = "load_files", Name = "records_staged", ClrType = typeof(long), ColumnType = "bigint", IsNullable = true,
            OldColumn = { ClrType = typeof(long), ColumnType = "bigint", IsNullable = false },
        };

        using var redshift = Context("redshift");
        var refused = Assert.Throws<NotSupportedException>(() => redshift.GetService<IMigrationsSqlGenerator>().Generate([Alter()]));
        Assert.Contains("load_files.records_staged", refused.Message, StringComparison.Ordinal);

        var marked = Alter();
        marked.AddAnnotation(WarehouseMigrationsSqlGenerator.PostgreSqlOnly, true);
        Assert.Empty(redshift.GetService<IMigrationsSqlGenerator>().Generate([marked]));
        using var postgres = Context("postgres");
        Assert.Contains("ALTER COLUMN records_staged DROP NOT NULL", Assert.Single(postgres.GetService<IMigrationsSqlGenerator>().Generate([marked])).CommandText, StringComparison.Ordinal);
    }

    /// <summary>
    /// Migrates to the previous schema, writes <see cref="OldRows"/>, migrates up and checks the values,
    /// writes a NULL, migrates down and checks the values again, and migrates up once more.
    /// </summary>
    private static async Task UpgradeAndDowngradeAsync(string provider, string connectionString, string backend)
    {
        await MigrateAsync(provider, connectionString, Previous);
        foreach (var (uri, staged) in OldRows)
        {
            await ExecuteAsync(connectionString, $"INSERT INTO load_files (uri, size_bytes, etag, modified_at, run_id, records_staged, records_rejected, loaded_at) VALUES ('{uri}', 100, NULL, NULL, '{Guid.Empty}', {staged.ToString(CultureInfo.InvariantCulture)}, 0, '2018-11-30 02:15:00')");
        }

        Assert.Equal("NO", await NullableAsync(backend));

        await MigrateAsync(provider, connectionString, target: null);
        Assert.Equal("YES", await NullableAsync(backend));
        Assert.Equal(OldRows.Select(r => Row(r.Uri, r.Staged == -1 ? null : r.Staged)), await StagedAsync(backend));

        await ExecuteAsync(connectionString, $"INSERT INTO load_files (uri, size_bytes, etag, modified_at, run_id, records_staged, records_rejected, loaded_at) VALUES ('{NewUnknown}', 100, NULL, NULL, '{Guid.Empty}', NULL, 0, '2018-11-30 02:15:00')");
        await MigrateAsync(provider, connectionString, Previous);
        Assert.Equal("NO", await NullableAsync(backend));
        Assert.Equal(OldRows.Append((NewUnknown, -1)).Select(r => Row(r.Uri, r.Staged)), await StagedAsync(backend));

        await MigrateAsync(provider, connectionString, target: null);
        Assert.Equal(OldRows.Append((NewUnknown, -1)).Select(r => Row(r.Uri, r.Staged == -1 ? null : r.Staged)), await StagedAsync(backend));
    }

    private static string Row(string uri, long? staged) => uri + "|" + (staged?.ToString(CultureInfo.InvariantCulture) ?? "∅");

    private static async Task MigrateAsync(string provider, string connectionString, string? target)
    {
        string[] arguments = ["migrate", "--provider", provider, "--connection", connectionString, .. target is null ? Array.Empty<string>() : ["--target", target]];
        var result = await CliRunner.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static Task<List<string>> StagedAsync(string backend)
        => WarehouseDb.RowsAsync(backend, "SELECT uri, records_staged FROM load_files ORDER BY uri COLLATE \"C\"");

    private static async Task<string> NullableAsync(string backend)
        => Assert.Single(await WarehouseDb.RowsAsync(backend, "SELECT is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'load_files' AND column_name = 'records_staged'"));

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Script(string provider, string from, string to)
    {
        using var context = Context(provider);
        return context.GetService<IMigrator>().GenerateScript(from, to);
    }

    private static WarehouseDbContext Context(string provider)
        => new(new DbContextOptionsBuilder<WarehouseDbContext>()
            .UseWarehouse("Host=localhost", provider == "redshift" ? WarehouseProvider.Redshift : WarehouseProvider.Postgres).Options);
}
