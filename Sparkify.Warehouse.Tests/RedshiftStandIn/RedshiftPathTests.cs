using Microsoft.EntityFrameworkCore;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Tests.TestUtilities;
using Sparkify.Warehouse.Tests.TestUtilities.RedshiftStandIn;

namespace Sparkify.Warehouse.Tests.RedshiftStandIn;

/// <summary>
/// The library's whole Redshift path through the stand-in: Redshift migrations, then a load of the real
/// sample from s3rver with COPY, compared row for row with what the PostgreSQL path makes of the same files.
/// </summary>
public sealed class RedshiftPathTests(RedshiftStandInFixture fixture) : IClassFixture<RedshiftStandInFixture>
{
    private const string IamRole = "arn:aws:iam::123456789012:role/sparkify-loader";

    /// <summary>Each table's rows in a fixed order; songplays without its generated id, which differs by target.</summary>
    private static readonly string[] Tables =
    [
        "SELECT song_id, title, artist_id, year, duration FROM songs ORDER BY song_id",
        "SELECT artist_id, name, location, latitude, longitude, source_song_id FROM artists ORDER BY artist_id",
        "SELECT user_id, first_name, last_name, gender, level, last_event_ts, last_item_in_session FROM users ORDER BY user_id",
        "SELECT start_time, hour, day, week, month, year, weekday FROM \"time\" ORDER BY start_time",
        "SELECT user_id, session_id, item_in_session, start_time, level, song_id, artist_id, location, user_agent FROM songplays ORDER BY user_id, session_id, item_in_session",
        "SELECT artist, auth, first_name, gender, item_in_session, last_name, length, level, location, method, page, registration, session_id, song, status, ts, user_agent, user_id FROM staging_events ORDER BY ts, session_id, item_in_session, user_id, page",
    ];

    [Fact]
    public async Task Migrating_and_loading_the_sample_on_Redshift_derives_the_same_star_as_PostgreSQL()
    {
        var postgres = await MigratedDatabaseFixture.CreateAsync("pgpath");
        try
        {
            var local = await WarehouseDb.Loader(postgres).LoadAsync(WarehouseDb.SampleRequest());

            var redshift = fixture.StandIn.ConnectionString;
            await using (var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse(redshift, WarehouseProvider.Redshift).Options))
            {
                await context.Database.MigrateAsync();
            }

            var loader = new WarehouseLoader(new WarehouseOptions { ConnectionString = redshift, Provider = WarehouseProvider.Redshift, IamRole = IamRole, S3 = fixture.S3.Settings() });
            var copied = await loader.LoadAsync(new LoadRequest
            {
                SongsSource = $"s3://{SparkifySampleInS3.Bucket}/song_data",
                EventsSource = $"s3://{SparkifySampleInS3.Bucket}/log_data",
                JsonPathsSource = $"s3://{SparkifySampleInS3.Bucket}/log_json_path.json",
            });

            Assert.Equal(LoadRunStatus.Succeeded, copied.Status);
            Assert.Equal(
                (local.SongsStaged, local.EventsStaged, local.Rejected, local.SongPlaysInserted, local.UsersUpserted, local.SongsInserted, local.ArtistsUpserted, local.TimeInserted),
                (copied.SongsStaged, copied.EventsStaged, copied.Rejected, copied.SongPlaysInserted, copied.UsersUpserted, copied.SongsInserted, copied.ArtistsUpserted, copied.TimeInserted));
            Assert.Contains(fixture.StandIn.Statements, s => s.StartsWith("COPY staging_events", StringComparison.Ordinal));
            foreach (var table in Tables)
            {
                Assert.Equal(await WarehouseDb.RowsAsync(postgres, table), await WarehouseDb.RowsAsync(fixture.StandIn.DatabaseConnectionString, table));
            }
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(postgres);
        }
    }
}
