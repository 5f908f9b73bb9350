using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sparkify.Warehouse.Entities;
using Sparkify.Warehouse.Generation;
using Sparkify.Warehouse.Loading;
using Sparkify.Warehouse.Metadata;
using Sparkify.Warehouse.Tests.Generation;
using Sparkify.Warehouse.Tests.TestUtilities;
using Xunit.Abstractions;

namespace Sparkify.Warehouse.Tests.Design;

/// <summary>
/// The figures behind the Redshift distribution keys: each candidate key of each table, on the real
/// sample and on a generated month, both loaded by the library into PostgreSQL, spread over 4 and 32
/// slices by <see cref="SliceModel"/>. The README's table of figures is generated from this run, and the
/// keys the model declares are held to what the figures support.
/// </summary>
public sealed class DistributionSkewTests(ITestOutputHelper output)
{
    private const int SmallCluster = 4;
    private const int LargeCluster = 32;

    // Every column a table could reasonably be distributed on: its join columns, its grouping
    // columns and its identity or time columns.
    private static readonly (string Table, string Column)[] Candidates =
    [
        ("songplays", "song_id"), ("songplays", "artist_id"), ("songplays", "user_id"), ("songplays", "session_id"),
        ("songplays", "start_time"), ("songplays", "songplay_id"),
        ("songs", "song_id"), ("songs", "artist_id"),
        ("artists", "artist_id"),
        ("users", "user_id"),
        ("time", "start_time"),
        ("staging_events", "song"), ("staging_events", "artist"), ("staging_events", "user_id"),
        ("staging_events", "session_id"), ("staging_events", "ts"),
        ("staging_songs", "title"), ("staging_songs", "song_id"), ("staging_songs", "artist_id"),
    ];

    // A month of a busier service than the sample: enough plays and songs that the larger cluster's
    // 32 slices hold hundreds of rows each, while generating and loading it stays well under a minute.
    private static readonly GenerationOptions GeneratedMonth = new() { OutputDirectory = "", Songs = 3000, Events = 100_000, Days = 30, Seed = 13 };

    [Fact]
    public void The_model_places_a_hand_made_column_as_its_hash_says_and_measures_its_skew()
    {
        // Slices follow from the published SHA-256 test vectors (FIPS 180-2, and sha256sum):
        // ""    -> e3b0c442..., low byte of the first word 0x42: slice 2 of 4, 2 of 32;
        // "a"   -> ca978112..., 0x12: slice 2 of 4, 18 of 32;
        // "abc" -> ba7816bf..., 0xbf: slice 3 of 4, 31 of 32; NULL -> slice 0.
        string?[] column = ["a", "a", "abc", null, null, null, ""];

        Assert.Equal([3L, 0L, 3L, 1L], SliceModel.RowsPerSlice(column, 4));
        var thirtyTwo = SliceModel.RowsPerSlice(column, 32);
        Assert.Equal((3L, 1L, 2L, 1L, 4L), (thirtyTwo[0], thirtyTwo[2], thirtyTwo[18], thirtyTwo[31], thirtyTwo.Sum() - 3));

        var four = SliceModel.Measure(column, 4);
        Assert.Equal((7, 3, 3, 3L), (four.Rows, four.Nulls, four.Distinct, four.MaxSliceRows));
        Assert.Equal(3 / 1.75, four.MaxOverMean, 12);
        Assert.Equal(3.0 / 7, four.NullShare, 12);
        Assert.Equal(3 / (7.0 / 32), SliceModel.Measure(column, 32).MaxOverMean, 12);
    }

    [Fact]
    public async Task Candidate_keys_are_measured_on_the_sample_and_a_generated_month_and_the_chosen_keys_spread_evenly()
    {
        var sample = await MeasureAsync("skewsample", WarehouseDb.SampleRequest());
        var folder = TempFolder.NewPath("skew");
        Dictionary<(string Table, string Column), (KeySkew Small, KeySkew Large)> generated;
        try
        {
            var dataset = await SparkifyDataGenerator.GenerateAsync(GeneratedMonth with { OutputDirectory = folder });
            generated = await MeasureAsync("skewgen", new LoadRequest
            {
                SongsSource = dataset.SongDataDirectory,
                EventsSource = dataset.LogDataDirectory,
                JsonPathsSource = dataset.JsonPathsFile,
            });
        }
        finally
        {
            TempFolder.Delete(folder);
        }

        var table = FiguresTable(sample, generated);
        output.WriteLine(table);

        // What the old design got wrong, in the sample's own numbers: almost every play has no song.
        Assert.True(sample[("songplays", "song_id")].Large.NullShare > 0.99);
        Assert.True(sample[("staging_events", "song")].Large.NullShare > 0.1);

        // Every key the model distributes on is never NULL, and spreads its table within 25 % of the
        // mean on the large cluster wherever the table holds at least 100 rows per slice.
        using var context = new WarehouseDbContext(new DbContextOptionsBuilder<WarehouseDbContext>().UseWarehouse("Host=localhost").Options);
        var keyed = context.Model.GetEntityTypes().Where(e => e.GetDistStyle() == RedshiftDistStyle.Key).ToList();
        Assert.NotEmpty(keyed);
        foreach (var entityType in keyed)
        {
            var tableName = entityType.GetTableName()!;
            var column = entityType.FindProperty(entityType.GetDistKey()!)!.GetColumnName();
            Assert.True(Candidates.Contains((tableName, column)), $"{tableName}.{column} is a distribution key but not a measured candidate.");
            foreach (var (data, figures) in new[] { ("sample", sample), ("generated", generated) })
            {
                var large = figures[(tableName, column)].Large;
                Assert.True(large.Nulls == 0, $"{tableName}.{column} is NULL in {large.Nulls} rows of the {data} data.");
                if (large.MeanSliceRows >= 100)
                {
                    Assert.True(large.MaxOverMean <= 1.25, $"{tableName}.{column} on {data}: max/mean {large.MaxOverMean:F2} on {LargeCluster} slices.");
                }
            }
        }

        Readme.AssertGenerated("redshift-skew", table);
    }

    private static async Task<Dictionary<(string Table, string Column), (KeySkew Small, KeySkew Large)>> MeasureAsync(string prefix, LoadRequest request)
    {
        var connectionString = await MigratedDatabaseFixture.CreateAsync(prefix);
        try
        {
            var result = await WarehouseDb.Loader(connectionString).LoadAsync(request);
            Assert.Equal(LoadRunStatus.Succeeded, result.Status);

            var figures = new Dictionary<(string, string), (KeySkew, KeySkew)>();
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            foreach (var (table, column) in Candidates)
            {
                // The text PostgreSQL prints is what the model hashes; staging still holds the load.
                var values = new List<string?>();
                await using var command = new NpgsqlCommand($"SELECT \"{column}\"::text FROM \"{table}\"", connection);
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        values.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
                    }
                }

                Assert.True(values.Count > 0, $"{table} is empty after the load.");
                figures[(table, column)] = (SliceModel.Measure(values, SmallCluster), SliceModel.Measure(values, LargeCluster));
            }

            return figures;
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    private static string FiguresTable(
        Dictionary<(string Table, string Column), (KeySkew Small, KeySkew Large)> sample,
        Dictionary<(string Table, string Column), (KeySkew Small, KeySkew Large)> generated)
    {
        var text = new StringBuilder();
        text.Append("| table | candidate key | sample: rows | NULL | distinct | max/mean, 4 slices | 32 slices ")
            .Append("| generated: rows | NULL | distinct | max/mean, 4 slices | 32 slices |\n")
            .Append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var key in Candidates)
        {
            text.Append(CultureInfo.InvariantCulture, $"| `{key.Table}` | `{key.Column}` ");
            foreach (var (small, large) in new[] { sample[key], generated[key] })
            {
                text.Append(CultureInfo.InvariantCulture, $"| {small.Rows:N0} | {small.NullShare:P2} | {small.Distinct:N0} | {small.MaxOverMean:F2} | {large.MaxOverMean:F2} ");
            }

            text.Append("|\n");
        }

        return text.ToString();
    }
}
