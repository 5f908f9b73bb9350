using Npgsql;
using Sparkify.Warehouse.Preflight;
using Sparkify.Warehouse.Tests.TestUtilities;
using static Sparkify.Warehouse.Tests.Preflight.PreflightTestSupport;

namespace Sparkify.Warehouse.Tests.Preflight;

/// <summary>
/// The warehouse checks of <see cref="WarehousePreflight"/> against the real test PostgreSQL: a migrated
/// and an empty database, the README's least-privilege roles with and without a grant, unreachable
/// servers and wrong passwords, and a server whose <c>version()</c> says Redshift.
/// </summary>
public sealed class WarehousePreflightDatabaseTests(MigratedDatabaseFixture database) : IClassFixture<MigratedDatabaseFixture>
{
    [Fact]
    public async Task A_migrated_database_and_the_sample_pass_every_check_and_the_iam_role_is_skipped_on_postgres()
    {
        var report = await RunAsync(new WarehouseOptions { ConnectionString = database.ConnectionString }, new PreflightRequest
        {
            SongsSource = TestEnvironment.SampleSongs,
            EventsSource = TestEnvironment.SampleLogs,
            JsonPathsSource = TestEnvironment.SampleJsonPaths,
        });

        Assert.Equal(CheckNames, report.Checks.Select(c => c.Name));
        Assert.True(report.Passed, Describe(report));
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var connection = report.AssertStatus("connection", PreflightStatus.Pass);
        Assert.StartsWith($"connected to {builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}; ", connection.Detail, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL, as the provider says", report.AssertStatus("server", PreflightStatus.Pass).Detail, StringComparison.Ordinal);
        Assert.Equal($"all {TestEnvironment.MigrationCount} migrations applied", report.AssertStatus("migrations", PreflightStatus.Pass).Detail.Split(" (")[0]);
        report.AssertStatus("privileges", PreflightStatus.Pass);
        Assert.Equal(RawFilesAndBytes(TestEnvironment.SampleSongs) + ", plain JSON", report.AssertStatus("songs", PreflightStatus.Pass).Detail);
        Assert.Equal(RawFilesAndBytes(TestEnvironment.SampleLogs) + ", plain JSON", report.AssertStatus("events", PreflightStatus.Pass).Detail);
        Assert.Equal("18 paths map the 18 staging_events columns, as the standard mapping does", report.AssertStatus("jsonpaths", PreflightStatus.Pass).Detail);
        report.AssertStatus("iam-role", PreflightStatus.Skip);
        Assert.DoesNotContain(builder.Password!, Describe(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unmigrated_database_fails_migrations_listing_every_migration_and_privileges_naming_the_missing_tables()
    {
        var empty = await TestPostgres.CreateDatabaseAsync("doctor_empty");
        try
        {
            var report = await RunAsync(new WarehouseOptions { ConnectionString = empty });

            Assert.False(report.Passed);
            report.AssertStatus("connection", PreflightStatus.Pass);
            var migrations = report.AssertStatus("migrations", PreflightStatus.Fail);
            Assert.StartsWith($"{TestEnvironment.MigrationCount} of {TestEnvironment.MigrationCount} migrations not applied: ", migrations.Detail, StringComparison.Ordinal);
            foreach (var id in MigrationIds())
            {
                Assert.Contains(id, migrations.Detail, StringComparison.Ordinal);
            }

            Assert.Contains("sparkify migrate", migrations.Fix, StringComparison.Ordinal);
            var privileges = report.AssertStatus("privileges", PreflightStatus.Fail);
            Assert.Equal("tables a load writes do not exist in the current schema: staging_events, staging_songs, songplays, users, songs, artists, time, load_runs, load_errors, load_files", privileges.Detail);

            // Nothing given: each source is skipped with the option that would check it.
            Assert.Equal("give --songs to check it", report.AssertStatus("songs", PreflightStatus.Skip).Fix);
            Assert.Equal("give --events to check it", report.AssertStatus("events", PreflightStatus.Skip).Fix);
            report.AssertStatus("jsonpaths", PreflightStatus.Skip);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(empty);
        }
    }

    [Fact]
    public async Task The_readme_loader_grants_pass_and_a_revoked_grant_fails_naming_the_privilege_table_and_the_grant_that_fixes_it()
    {
        await using var roles = new WarehouseRoles();
        var owner = await MigratedDatabaseFixture.CreateAsync("doctor_grants");
        try
        {
            var (loader, analyst) = await roles.CreateAsync(owner, "loader-pw-d0c7", "analyst-pw-d0c7");
            var loaderName = new NpgsqlConnectionStringBuilder(loader).Username!;

            var granted = await RunAsync(new WarehouseOptions { ConnectionString = loader });
            var privileges = granted.AssertStatus("privileges", PreflightStatus.Pass);
            // The README's script grants staging_manifests as an option; the test roles go without it.
            Assert.Contains("without SELECT, INSERT, DELETE on staging_manifests every load restages the song files", privileges.Detail, StringComparison.Ordinal);
            Assert.EndsWith("; not the owner of staging_events and staging_songs, so loads skip their statistics (ANALYZE needs the owner)", privileges.Detail, StringComparison.Ordinal);

            // The loader may not read the migrations history: said, not guessed.
            Assert.Contains("may not read the migrations history", granted.AssertStatus("migrations", PreflightStatus.Skip).Detail, StringComparison.Ordinal);

            await WarehouseDb.ExecuteAsync(owner, $"REVOKE UPDATE ON users FROM {loaderName}; REVOKE TRUNCATE ON staging_songs FROM {loaderName}");
            var revoked = (await RunAsync(new WarehouseOptions { ConnectionString = loader })).AssertStatus("privileges", PreflightStatus.Fail);
            Assert.Equal($"{loaderName} lacks TRUNCATE on staging_songs; UPDATE on users; without SELECT, INSERT, DELETE on staging_manifests every load restages the song files"
                + "; not the owner of staging_events and staging_songs, so loads skip their statistics (ANALYZE needs the owner)", revoked.Detail);
            Assert.Equal($"as the owner of the tables: GRANT TRUNCATE ON staging_songs TO {loaderName}; GRANT UPDATE ON users TO {loaderName};", revoked.Fix);

            var analystCheck = (await RunAsync(new WarehouseOptions { ConnectionString = analyst })).AssertStatus("privileges", PreflightStatus.Fail);
            Assert.Contains("SELECT, INSERT, DELETE, TRUNCATE on staging_events", analystCheck.Detail, StringComparison.Ordinal);
            Assert.Contains("INSERT, UPDATE, DELETE, TRUNCATE on songplays", analystCheck.Detail, StringComparison.Ordinal);
            Assert.Contains("SELECT, INSERT on load_errors", analystCheck.Detail, StringComparison.Ordinal);

            // The README's remedy for statistics: the loader owns the staging tables.
            await WarehouseDb.ExecuteAsync(owner, $"ALTER TABLE staging_events OWNER TO {loaderName}; ALTER TABLE staging_songs OWNER TO {loaderName}");
            Assert.DoesNotContain("not the owner", (await RunAsync(new WarehouseOptions { ConnectionString = loader })).Check("privileges").Detail, StringComparison.Ordinal);
            await WarehouseDb.ExecuteAsync(owner, "ALTER TABLE staging_events OWNER TO CURRENT_USER; ALTER TABLE staging_songs OWNER TO CURRENT_USER");
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(owner);
        }
    }

    [Fact]
    public async Task An_unreachable_server_or_a_wrong_password_fails_the_connection_skips_the_database_checks_and_never_shows_the_password()
    {
        const string Password = "doctor-secret-4f1a";
        var unreachable = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = 1, Password = Password, Timeout = 3 }.ConnectionString;
        var wrongPassword = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = Password }.ConnectionString;

        var refused = await RunAsync(new WarehouseOptions { ConnectionString = unreachable });
        var denied = await RunAsync(new WarehouseOptions { ConnectionString = wrongPassword });

        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        Assert.StartsWith($"could not connect to {builder.Username}@{builder.Host}:1/{builder.Database}: ", refused.AssertStatus("connection", PreflightStatus.Fail).Detail, StringComparison.Ordinal);
        Assert.Contains("check Host and Port", refused.Check("connection").Fix, StringComparison.Ordinal);
        Assert.Equal("check Username and Password in the connection string", denied.AssertStatus("connection", PreflightStatus.Fail).Fix);
        foreach (var report in new[] { refused, denied })
        {
            foreach (var name in new[] { "server", "migrations", "privileges" })
            {
                Assert.Equal("no connection", report.AssertStatus(name, PreflightStatus.Skip).Detail);
            }

            Assert.DoesNotContain(Password, Describe(report), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Provider_redshift_on_postgresql_fails_the_server_check_and_an_unencrypted_session()
    {
        // By default a Redshift connection requires verified TLS, which the test server does not offer.
        var verified = await RunAsync(new WarehouseOptions { ConnectionString = database.ConnectionString, Provider = WarehouseProvider.Redshift });
        Assert.Contains("SSL", verified.AssertStatus("connection", PreflightStatus.Fail).Detail, StringComparison.Ordinal);

        var plain = new NpgsqlConnectionStringBuilder(database.ConnectionString) { SslMode = SslMode.Disable }.ConnectionString;
        var report = await RunAsync(new WarehouseOptions { ConnectionString = plain, Provider = WarehouseProvider.Redshift });

        var connection = report.AssertStatus("connection", PreflightStatus.Fail);
        Assert.Contains("the session is not encrypted", connection.Detail, StringComparison.Ordinal);
        Assert.Contains("SSL Mode=VerifyFull", connection.Fix, StringComparison.Ordinal);
        var server = report.AssertStatus("server", PreflightStatus.Fail);
        Assert.StartsWith("the provider is redshift, but the server is not Amazon Redshift: PostgreSQL ", server.Detail, StringComparison.Ordinal);
        Assert.Contains("--provider postgres", server.Fix, StringComparison.Ordinal);
        report.AssertStatus("migrations", PreflightStatus.Skip);
        report.AssertStatus("privileges", PreflightStatus.Skip);
    }

    /// <summary>
    /// Not the Redshift stand-in: a PostgreSQL database whose <c>version()</c> (a function ahead of
    /// pg_catalog on the search path) answers as Redshift does, so the server check's other side and
    /// the Redshift privilege list run on a real server.
    /// </summary>
    [Fact]
    public async Task A_server_whose_version_says_redshift_fails_provider_postgres_and_passes_provider_redshift_with_its_privileges()
    {
        var owner = await MigratedDatabaseFixture.CreateAsync("doctor_rsversion");
        try
        {
            const string RedshiftVersion = "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.77467";
            await WarehouseDb.ExecuteAsync(owner, $"CREATE FUNCTION public.version() RETURNS text LANGUAGE sql AS $$ SELECT '{RedshiftVersion}'::text $$");
            // The test server speaks no TLS, so the Redshift run says so explicitly (its default is VerifyFull).
            var redshiftLike = new NpgsqlConnectionStringBuilder(owner) { SearchPath = "public,pg_catalog", SslMode = SslMode.Disable }.ConnectionString;

            var asPostgres = await RunAsync(new WarehouseOptions { ConnectionString = redshiftLike });
            var asRedshift = await RunAsync(new WarehouseOptions { ConnectionString = redshiftLike, Provider = WarehouseProvider.Redshift });

            var mismatch = asPostgres.AssertStatus("server", PreflightStatus.Fail);
            Assert.Equal($"the provider is postgres, but the server is Amazon Redshift: {RedshiftVersion[..120]}…", mismatch.Detail);
            Assert.Contains("--provider redshift", mismatch.Fix, StringComparison.Ordinal);
            asPostgres.AssertStatus("migrations", PreflightStatus.Skip);

            Assert.StartsWith("Amazon Redshift, as the provider says", asRedshift.AssertStatus("server", PreflightStatus.Pass).Detail, StringComparison.Ordinal);
            asRedshift.AssertStatus("migrations", PreflightStatus.Pass);
            // Redshift's has_table_privilege knows no TRUNCATE, and loads there delete instead: 10 tables (the ledger too), 34 privileges.
            Assert.StartsWith("holds the 34 table privileges a load uses", asRedshift.AssertStatus("privileges", PreflightStatus.Pass).Detail.Split(' ', 2)[1], StringComparison.Ordinal);
            Assert.Equal("no IAM role is set; Redshift COPY needs one to read S3", asRedshift.AssertStatus("iam-role", PreflightStatus.Fail).Detail);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(owner);
        }
    }

    private static IEnumerable<string> MigrationIds()
        => typeof(WarehouseDbContext).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Microsoft.EntityFrameworkCore.Migrations.Migration)))
            .Select(t => t.GetCustomAttributes(typeof(Microsoft.EntityFrameworkCore.Migrations.MigrationAttribute), false).Cast<Microsoft.EntityFrameworkCore.Migrations.MigrationAttribute>().Single().Id);
}
